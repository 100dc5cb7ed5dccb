"""The base of every error boom raises for a problem in its input (config, data, models): its
message names the culprit and the fix, so a stage prints it alone, without a traceback."""


class BoomError(Exception):
    pass
