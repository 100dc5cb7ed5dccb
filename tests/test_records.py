"""Records (boom/records.py): a record is dated by what the existing outputs say they were
computed from, so that Snakemake reruns exactly the outputs of another config."""

import json
import os

from boom import records
from boom.claims import unanswerable


def _output(path, digest, mtime):
    path.write_text(json.dumps({"record": digest}))
    os.utime(path, (mtime, mtime))
    return records.group([path])


def test_a_record_all_outputs_were_computed_from_is_older_than_any_of_them(tmp_path):
    content = {"tasks": {"STS12": {"max_pairs": 800}}}
    outputs = [_output(tmp_path / f"o{i}.provenance.json", records.digest(content), 1_000_000 + i) for i in range(3)]
    records.sync(tmp_path / "r.json", content, outputs)
    assert os.stat(tmp_path / "r.json").st_mtime == records.SETTLED


def test_a_changed_record_is_newer_than_every_output_of_the_old_one(tmp_path):
    old = _output(tmp_path / "o.provenance.json", records.digest({"max_pairs": 800}), 2_000_000)
    digest = records.sync(tmp_path / "r.json", {"max_pairs": 400}, [old])
    assert os.stat(tmp_path / "r.json").st_mtime > 2_000_000
    assert json.loads((tmp_path / "r.json").read_text()) == {"digest": digest, "content": {"max_pairs": 400}}
    assert records.read_digest(tmp_path / "r.json") == digest


def test_a_run_stopped_part_way_reruns_only_what_it_had_not_redone(tmp_path):
    content = {"max_pairs": 400}
    stale = _output(tmp_path / "stale.provenance.json", "another", 1_000)
    done = _output(tmp_path / "done.provenance.json", records.digest(content), 3_000)
    records.sync(tmp_path / "r.json", content, [stale, done])
    assert 1_000 < os.stat(tmp_path / "r.json").st_mtime < 3_000


def test_outputs_without_a_record_or_missing_are_stale_or_ignored(tmp_path):
    (tmp_path / "old.provenance.json").write_text("{}")  # written before records existed
    missing = records.group([tmp_path / "gone.csv"])
    records.sync(tmp_path / "r.json", {"a": 1}, [records.group([tmp_path / "old.provenance.json"]), missing])
    assert os.stat(tmp_path / "r.json").st_mtime > os.stat(tmp_path / "old.provenance.json").st_mtime
    records.sync(tmp_path / "r2.json", {"a": 1}, [missing])
    assert os.stat(tmp_path / "r2.json").st_mtime == records.SETTLED


def test_the_record_file_is_rewritten_only_when_its_content_changes(tmp_path):
    records.sync(tmp_path / "r.json", {"a": 1}, [])
    inode = os.stat(tmp_path / "r.json").st_ino
    records.sync(tmp_path / "r.json", {"a": 1}, [])
    assert os.stat(tmp_path / "r.json").st_ino == inode
    records.sync(tmp_path / "r.json", {"a": 2}, [])
    assert records.read_digest(tmp_path / "r.json") == records.digest({"a": 2})


def test_a_claim_on_a_variant_the_config_removed_is_skipped_with_its_reason():
    claims = [{"id": "c1", "experiment": "scheduling", "kind": "better", "a": "bls", "than": ["mixed", "two_stage"]},
              {"id": "c2", "experiment": "scheduling", "kind": "better", "a": "bls", "than": "mixed"},
              {"id": "c3", "experiment": "not_run", "kind": "better", "a": "x", "than": "y"}]
    why = unanswerable(claims, {"scheduling": ["base", "bls", "mixed"]})
    assert list(why) == ["c1"] and "no variant 'two_stage'" in why["c1"]
