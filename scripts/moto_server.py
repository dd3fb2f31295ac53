"""Run moto's server on 127.0.0.1 on a free port, for the integration tests.

    .venv/bin/python scripts/moto_server.py [--timeout SECONDS] [--no-stdin] [--pidfile PATH]

Prints one JSON line on stdout once `GET /moto-api/` answers:

    {"endpoint": "http://127.0.0.1:PORT", "pid": N}

then serves until its stdin reaches end of file (the process that started it
closed the pipe, or died), or until SIGTERM / SIGINT. The server runs in this
process, so `pid` is this process and killing it stops the server.

With `--no-stdin` it ignores its stdin and serves until SIGTERM / SIGINT /
SIGHUP, so it can run in the background (`< /dev/null &`) after the process
that started it is gone (scripts/demo --keep). `--pidfile PATH` writes the pid
to PATH, once the server answers, and removes it on the way out.

The port is bound before the server thread starts (port 0, the kernel picks),
so there is no window in which another process can take it. Request logs go to
stderr; stdout carries only the JSON line.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="give up if the server does not answer within this many seconds",
    )
    parser.add_argument(
        "--no-stdin",
        action="store_true",
        help="serve until a signal, whatever stdin holds (for a background server)",
    )
    parser.add_argument("--pidfile", help="write the pid here once serving; removed on exit")
    args = parser.parse_args()

    # SIGTERM ends the process the same way end of input does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.no_stdin:
        # A hangup (its terminal closed) stops a background server too.
        signal.signal(signal.SIGHUP, lambda *_: sys.exit(0))

    # A startup that hangs anywhere (imports, bind, first request) ends here.
    watchdog = threading.Timer(args.timeout, give_up, args=(args.timeout,))
    watchdog.daemon = True
    watchdog.start()

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()  # returns once the socket is bound and listening
    host, port = server.get_host_and_port()
    # moto builds some URLs in responses from MOTO_PORT; make them point here.
    os.environ["MOTO_PORT"] = str(port)
    endpoint = f"http://{host}:{port}"

    wait_until_answering(endpoint)
    watchdog.cancel()

    if args.pidfile:
        # Written whole, then renamed: a reader never sees half a pid.
        partial = args.pidfile + ".partial"
        with open(partial, "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(partial, args.pidfile)

    sys.stdout.write(json.dumps({"endpoint": endpoint, "pid": os.getpid()}) + "\n")
    sys.stdout.flush()
    # Nothing else belongs on stdout: the reader may have stopped listening.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    try:
        if args.no_stdin:
            # Blocks until a signal handler raises SystemExit.
            while True:
                signal.pause()
        else:
            # Blocks until the parent closes our stdin or dies.
            while sys.stdin.buffer.read(65536):
                pass
    except (KeyboardInterrupt, SystemExit):
        pass
    if args.pidfile:
        try:
            os.remove(args.pidfile)
        except OSError:
            pass
    sys.stderr.flush()
    # Do not wait for in-flight request threads: exit now.
    os._exit(0)


def wait_until_answering(endpoint: str) -> None:
    """Polls `GET /moto-api/` until it answers 200 (the watchdog bounds this)."""
    # Never through a proxy from the environment: the server is on loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while True:
        try:
            with opener.open(endpoint + "/moto-api/", timeout=5) as response:
                if response.status == 200:
                    return
                error = f"HTTP {response.status}"
        except (urllib.error.URLError, OSError) as e:
            error = repr(e)
        sys.stderr.write(f"moto_server.py: {endpoint}/moto-api/ not ready yet: {error}\n")
        time.sleep(0.05)


def give_up(timeout: float) -> None:
    sys.stderr.write(f"moto_server.py: moto did not start within {timeout}s\n")
    sys.stderr.flush()
    os._exit(1)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
