"""Readers of the raw datasets in the data mirror, one function per dataset.

Each module exposes READERS: dataset name -> (reader, MANIFEST dests it reads). A reader takes
the data root and a LoadReport, reads its files only through `checked_file` (sha256-checked),
and returns a form from boom.data.forms. Malformed lines are counted in the report, never guessed.
"""

from boom.data.readers import labelled, pairs, retrieval

READERS = {**retrieval.READERS, **pairs.READERS, **labelled.READERS}
