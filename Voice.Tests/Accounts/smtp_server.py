"""A local SMTP server for the mail tests (Debian's python3-aiosmtpd).

Prints the port it listens on, then keeps each accepted message as NNN.eml in --dir and notes what happened in
--dir/events.log, one line per event (accepted, deferred, rejected, auth ok, auth failed). It exits when its standard
input closes, so a test that dies leaves no server behind.
"""
import argparse
import asyncio
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("--dir", required=True)
parser.add_argument("--defer", type=int, default=0, help="answer the first N messages with --defer-reply")
parser.add_argument("--defer-reply", default="451 4.3.0 Try again later")
parser.add_argument("--reject", default="", help="a recipient answered 550")
parser.add_argument("--user", help="require AUTH with --user and --password")
parser.add_argument("--password")
parser.add_argument("--cert", help="PEM certificate and --key: offer and require STARTTLS")
parser.add_argument("--key")
args = parser.parse_args()


def event(line):
    with open(os.path.join(args.dir, "events.log"), "a", encoding="utf-8") as f:
        f.write(line + "\n")


class Handler:
    def __init__(self):
        self.deferred = 0
        self.accepted = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() == args.reject.lower():
            event("rejected")
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.deferred < args.defer:
            self.deferred += 1
            event("deferred")
            return args.defer_reply
        self.accepted += 1
        path = os.path.join(args.dir, f"{self.accepted:03}.eml")
        with open(path + ".part", "wb") as f:
            f.write(envelope.original_content)
        os.replace(path + ".part", path)
        event("accepted")
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login.decode() == args.user and auth_data.password.decode() == args.password)
    event("auth ok" if ok else "auth failed")
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


handler = Handler()
tls = None
if args.cert:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)


def smtp():
    return SMTP(handler, hostname="mail.test", tls_context=tls, require_starttls=tls is not None,
                authenticator=authenticator if args.user else None, auth_required=bool(args.user),
                auth_require_tls=tls is not None)


async def main():
    server = await asyncio.get_running_loop().create_server(smtp, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
asyncio.run(main())
