"""Command line entry point: ``python -m simulator --region us|eu [options]``.

Prints exactly one line ``Nylas simulator region=<region> serving on http://<host>:<port>``
once listening, and stops cleanly on SIGTERM/SIGINT.
"""

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading

from werkzeug.serving import make_server

from .admin import RETRY_AFTER_MODES
from .app import DEFAULT_JOB_PACE, DEFAULT_RATE_LIMITS, DEFAULT_SEED, EXTENSION, create_app
from .notify import CHALLENGE_TIMEOUT


def parse_args(argv=None):
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description="Local simulator of the Nylas API.")
    parser.add_argument("--region", choices=("us", "eu"), required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--seed", default=str(DEFAULT_SEED), help="YAML seed (default: %(default)s)")
    parser.add_argument("--state", default=None,
                        help="SQLite state file (default: a temporary file, removed when the process stops)")
    parser.add_argument("--job-pace", type=float, default=DEFAULT_JOB_PACE,
                        help="accounts per second processed by batch jobs (default: %(default)s; 0 pauses)")
    parser.add_argument("--rate-limit-migration", type=int, default=DEFAULT_RATE_LIMITS["migration"],
                        help="requests/s per application on /v3/migration-tools/* (0 = off)")
    parser.add_argument("--rate-limit-default", type=int, default=DEFAULT_RATE_LIMITS["default"],
                        help="requests/s per application on the other v3 paths (0 = off)")
    parser.add_argument("--allow-loopback-webhooks", action="store_true",
                        help="rehearsals: challenge and notify loopback webhook receivers (127.0.0.1, ::1, localhost); "
                             "without it every webhook URL fails verification")
    parser.add_argument("--webhook-timeout", type=float, default=CHALLENGE_TIMEOUT,
                        help="seconds a receiver has to answer a challenge or a notification (default: %(default)s)")
    parser.add_argument("--rate-limit-retry-after", choices=RETRY_AFTER_MODES, default="always",
                        help="Retry-After on 429 answers: always, never, or sometimes (every other one)")
    parser.add_argument("--access-log", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def main(argv=None):
    """Run one simulator process until SIGTERM/SIGINT."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.access_log else logging.WARNING)
    if args.state is None:
        with tempfile.TemporaryDirectory(prefix="nylas-sim-") as tmp:
            return serve(args, os.path.join(tmp, "state-%s.sqlite" % args.region))
    return serve(args, args.state)


def serve(args, state_path):
    """Serve the simulator with its state in ``state_path`` until SIGTERM/SIGINT; return the exit code."""
    app = create_app(args.region, seed_path=args.seed, state_path=state_path, job_pace=args.job_pace,
                     rate_limit_migration=args.rate_limit_migration, rate_limit_default=args.rate_limit_default,
                     allow_loopback_webhooks=args.allow_loopback_webhooks, webhook_timeout=args.webhook_timeout,
                     retry_after=args.rate_limit_retry_after)
    ctx = app.extensions[EXTENSION]
    server = make_server(args.host, args.port, app, threaded=True)
    server.daemon_threads = True
    stop = threading.Event()

    def on_signal(signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="sim-http",
                              daemon=True)
    thread.start()
    print(f"Nylas simulator region={args.region} serving on http://{args.host}:{server.server_port}", flush=True)
    while not stop.wait(0.2):
        if not thread.is_alive():
            break
    server.shutdown()
    server.server_close()
    ctx.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
