"""The base of every error boom raises for a problem in its input (config, data, models): its
message names the culprit and the fix, so a stage prints it alone, without a traceback."""


class BoomError(Exception):
    pass


class ConfigError(BoomError, ValueError):
    """A configuration problem; the message names the key path and how to fix it. Defined here so
    that the modules the configuration is checked against can raise it without importing
    boom.config, which sits above them."""


class DataError(BoomError, RuntimeError):
    """A data file is missing, corrupt or malformed; the message names the file and the fix."""
