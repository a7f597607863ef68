"""Oracle for the fuzz tests (crates/config/tests/ini_fuzz.rs, value_fuzz.rs):
reads JSON-encoded inputs, one per line on stdin, and prints one JSON line per
input with what Supervisor 4.3.0 makes of it, or {"error": msg}.

  dump_values.py ini     INI text -> {"defaults": [[k, v]...], "sections": [[name, [[k, v]...]]...]}
                         (UnhosedConfigParser, Python's configparser with Supervisor's settings)
  dump_values.py env     environment= value -> {"pairs": [[k, v]...]} (datatypes.dict_of_key_value_pairs)
  dump_values.py expand  format string -> {"text": ...} (options.expand with
                         {"n": 7, "neg": -42, "s": "héllo", "here": "/etc"})
"""
import json
import sys

from supervisor.datatypes import dict_of_key_value_pairs
from supervisor.options import UnhosedConfigParser, expand

NAMES = {"n": 7, "neg": -42, "s": "héllo", "here": "/etc"}


def ini(text):
    parser = UnhosedConfigParser()
    parser.read_string(text)
    return {
        "defaults": [[k, v] for k, v in parser._defaults.items()],
        "sections": [
            [name, [[k, v] for k, v in parser._sections[name].items()]]
            for name in parser.sections()
        ],
    }


def env(text):
    return {"pairs": [[k, v] for k, v in dict_of_key_value_pairs(text).items()]}


def expand_(text):
    return {"text": expand(text, NAMES, "section.option")}


MODES = {"ini": ini, "env": env, "expand": expand_}


def main():
    mode = MODES[sys.argv[1]]
    for line in sys.stdin:
        value = json.loads(line)
        try:
            out = mode(value)
        except Exception as e:  # what supervisord would report as a config error
            out = {"error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
