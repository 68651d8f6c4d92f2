#!/usr/bin/env python3
"""An example tether plugin (docs/plugins.md), standard library only.

tetherd starts it and talks JSON lines on stdin/stdout:

  !echo TEXT   replies TEXT
  !time        replies the current UTC time
  anything else: no reply

It logs through the protocol (the `log` message) and, once, on stderr,
which tetherd logs at warn.

Try it by hand:
  printf '%s\n' '{"type":"hello","version":1,"handler":"echo"}' \
    '{"type":"message","id":"1","message":{"content":{"text":"!echo hi"}}}' \
    | python3 echo_plugin.py
"""

import datetime
import json
import sys

PROTOCOL_VERSION = 1


def send(obj):
    # One object per line; flush, or tetherd waits for a full buffer.
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def log(level, message):
    send({"type": "log", "level": level, "message": message})


def answer(text):
    """The replies to one message text: a list, maybe empty."""
    if text.startswith("!echo "):
        rest = text[len("!echo "):].strip()
        return [rest] if rest else []
    if text.strip() == "!time":
        now = datetime.datetime.now(datetime.timezone.utc)
        return [now.strftime("%Y-%m-%d %H:%M:%S UTC")]
    return []


def main():
    handler = "?"
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            log("warn", "not JSON: " + line[:80])
            continue
        kind = msg.get("type")
        if kind == "hello":
            handler = msg.get("handler", "?")
            send({"type": "hello", "name": "echo_plugin",
                  "version": PROTOCOL_VERSION})
            log("info", "serving handler " + handler)
            print("echo_plugin started", file=sys.stderr, flush=True)
        elif kind == "message":
            text = msg.get("message", {}).get("content", {}).get("text", "")
            texts = answer(text)
            if texts:
                log("debug", "answering call " + str(msg.get("id")))
            send({"type": "reply", "id": msg.get("id"), "texts": texts})
        # Unknown types are ignored: later protocol versions may add some.
    # stdin closed: tetherd is stopping this plugin.


if __name__ == "__main__":
    main()
