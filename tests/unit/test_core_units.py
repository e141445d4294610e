"""Small core pieces: cut-offs, paths, names, flags, mbox quoting, settings, secrets."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import logging
import signal
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver.cli import COMMANDS, build_parser, parse_args
from archiver.cli.common import Interrupts, TerminalProgress, interrupt_signals
from archiver.core.accounts import (
    PRESETS,
    Account,
    PasswordSource,
    Security,
    preset_for_address,
    preset_for_host,
)
from archiver.core.config import Config, load_config, save_config
from archiver.core.cutoff import day_for_age, parse_day, start_of_day
from archiver.core.errors import ArchiverError, ConfigError, SecretError
from archiver.core.logsetup import close_logs_below, setup_logging
from archiver.core.message import message_id
from archiver.core.paths import AppDirs, resolve_dirs
from archiver.core.progress import Cancelled, CancelToken, Progress, throttled
from archiver.core.runlog import RUNLOG_NAME, read_runs, record_run
from archiver.core.secrets import Secret, get_password
from archiver.core.sizes import human_bytes
from archiver.core.store.maildir import maildir_info
from archiver.core.store.mbox import quote, unquote_digest
from archiver.core.store.names import escape_segment, split_folder
from tests.helpers.privacy import assert_private
from tests.helpers.shell import print_and_exit, print_lines


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        ("365d", dt.date(2023, 8, 31)),
        ("2w", dt.date(2024, 8, 16)),
        ("6m", dt.date(2024, 2, 29)),
        ("1y", dt.date(2023, 8, 30)),
        ("18M", dt.date(2023, 2, 28)),
        (" 3 d ", dt.date(2024, 8, 27)),
    ],
)
def test_day_for_age(age, expected):
    assert day_for_age(age, dt.date(2024, 8, 30)) == expected


@pytest.mark.parametrize("bad", ["", "1", "d", "1h", "-1d", "1.5y", "99999999y"])
def test_bad_ages_are_clear_errors(bad):
    with pytest.raises(ArchiverError, match=r"Invalid age|too far|before year 1"):
        day_for_age(bad, dt.date(2024, 8, 30))


@pytest.fixture
def berlin(monkeypatch):
    """The local timezone is Europe/Berlin (UTC+1, +2 in summer) for the test."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset() is POSIX-only")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        (dt.date(2024, 1, 15), dt.datetime(2024, 1, 14, 23, 0, tzinfo=dt.UTC)),  # winter, +1
        (dt.date(2024, 7, 1), dt.datetime(2024, 6, 30, 22, 0, tzinfo=dt.UTC)),  # summer, +2
        (dt.date(2024, 3, 31), dt.datetime(2024, 3, 30, 23, 0, tzinfo=dt.UTC)),  # to summer at 2:00
        (dt.date(2024, 10, 27), dt.datetime(2024, 10, 26, 22, 0, tzinfo=dt.UTC)),  # back at 3:00
    ],
)
def test_dates_and_cutoff_instant(berlin, day, utc):
    assert parse_day("2024-02-29") == dt.date(2024, 2, 29)
    with pytest.raises(ArchiverError, match="YYYY-MM-DD"):
        parse_day("29.02.2024")
    # The cut-off is local midnight (the user's "before 15 January"), not UTC midnight.
    cutoff = start_of_day(day)
    assert cutoff == utc and cutoff.date() == day and (cutoff.hour, cutoff.minute) == (0, 0)
    # Archived: a message from 23:59:59 local the day before; kept: one from 00:30 local.
    assert utc - dt.timedelta(seconds=1) < cutoff <= utc + dt.timedelta(minutes=30)
    assert start_of_day(parse_day(day.isoformat())) == utc


def test_home_variable_puts_everything_below_one_folder(tmp_path):
    dirs = resolve_dirs({"IMAP_ARCHIVER_HOME": str(tmp_path)})
    assert dirs == AppDirs(tmp_path / "config", tmp_path / "archive", tmp_path / "logs")
    default = resolve_dirs({})
    assert "imap-archiver" in str(default.config) and default.archive.name == "archive"


def test_folder_names_become_safe_unambiguous_paths():
    assert split_folder("INBOX/Büro & Co", "/") == ("INBOX", "Büro & Co")
    assert escape_segment("a.b/c%d:e") == "a%2Eb%2Fc%25d%3Ae"
    assert escape_segment("..") == "%2E%2E" and escape_segment("") == "%00"
    assert escape_segment("tab\there") == "tab%09here"


@given(st.text(min_size=1, max_size=30))
def test_escaped_segments_never_hold_separators(name):
    escaped = escape_segment(name)
    assert not set(escaped) & set("/\\.:") and "\0" not in escaped


def test_maildir_info_letters():
    assert maildir_info(["\\Seen", "\\Answered", "\\Flagged", "$Forwarded", "\\Draft"]) == "DFPRS"
    assert maildir_info(["\\Deleted", "$Label1", "\\Recent"]) == "T"
    assert maildir_info([]) == ""


@given(
    st.binary(max_size=2000).map(lambda b: b.replace(b"\r", b""))
    | st.lists(
        st.sampled_from([b"From x\n", b">From y\n", b">>From \n", b"text\n", b"From", b"\n"]),
        max_size=30,
    ).map(b"".join)
)
def test_mboxrd_quoting_round_trips(raw):
    quoted = io.BytesIO()
    quote(io.BytesIO(raw), quoted)
    assert b"\nFrom " not in b"\n" + quoted.getvalue()
    tail = b"\n" if raw.endswith(b"\n") else b"\n\n"
    digest, length, rest = unquote_digest(
        io.BytesIO(quoted.getvalue() + tail), len(quoted.getvalue()) + len(tail), len(raw)
    )
    assert (digest, length, rest) == (hashlib.sha256(raw).hexdigest(), len(raw), tail)


def test_settings_round_trip_without_secrets(tmp_path):
    account = Account(
        "office",
        "imap.example.org",
        "me@example.org",
        Security.STARTTLS,
        143,
        tmp_path / "ca.pem",
        PasswordSource.COMMAND,
        "pass show mail",
    )
    save_config(Config().with_account(account), tmp_path / "c" / "config.json")
    loaded = load_config(tmp_path / "c" / "config.json")
    assert loaded.account("office") == account
    with pytest.raises(ConfigError, match="No account named 'x' \\(configured: office\\)"):
        loaded.account("x")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError, match="Cannot read the settings file"):
        load_config(tmp_path / "bad.json")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "../etc"},
        {"name": ""},
        {"host": "a b"},
        {"user": ""},
        {"port": 70000},
        {"password_source": PasswordSource.COMMAND},
    ],
)
def test_invalid_accounts_are_refused(kwargs):
    values = {"name": "ok", "host": "h", "user": "u"} | kwargs
    with pytest.raises(ConfigError):
        Account(**values)


def test_secret_never_shows_itself():
    secret = Secret("hunter2")
    assert "hunter2" not in repr(secret) and "hunter2" not in str(secret)
    assert "hunter2" not in repr([secret]) and secret.reveal() == "hunter2"


def test_password_command(tmp_path):
    account = Account(
        "a",
        "h",
        "u",
        password_source=PasswordSource.COMMAND,
        password_command=print_lines("pw1", "ignored"),
    )
    assert get_password(account).reveal() == "pw1"
    failing = Account(
        "a",
        "h",
        "u",
        password_source=PasswordSource.COMMAND,
        password_command=print_and_exit("secret-output", 3),
    )
    with pytest.raises(SecretError, match="exited with 3") as caught:
        get_password(failing)
    assert "secret-output" not in str(caught.value)
    with pytest.raises(SecretError, match="asked on each run"):
        get_password(Account("a", "h", "u"))


def test_cancel_token_and_throttle():
    token = CancelToken()
    token.raise_if_cancelled()
    token.cancel()
    with pytest.raises(Cancelled):
        token.raise_if_cancelled()
    seen: list[Progress] = []
    report = throttled(seen.append, interval=3600)
    for done in range(1, 11):
        report(Progress(done, 10))
    assert [p.done for p in seen] == [1, 10]  # the first, then the last always passes


def test_terminal_progress_line(caplog):
    out = io.StringIO()
    bar = TerminalProgress(out)
    bar(Progress(5, 10, "INBOX", 5 * 1048576, 10 * 1048576))
    bar.finish()
    line = out.getvalue()
    assert "5/10 msgs" in line and "5.0/10.0 MB" in line and "ETA" in line and "INBOX" in line
    assert human_bytes(1536) == "1.5 KB" and human_bytes(3 * 1024**3) == "3.0 GB"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"Subject: x\r\nMessage-ID:\r\n <abc@d>\r\n\r\nbody", "<abc@d>"),
        (b"message-id: <a@b>  \nX: y\n\nMessage-ID: <body@x>", "<a@b>"),
        (b"X-Message-ID: <no>\r\nMessage-Id: <yes@b>\r\n\r\n", "<yes@b>"),
        (b"Subject: \xff\xfe\r\n\r\nMessage-ID: <in-body>", None),
        (b"Message-ID: <\xe4@x>\r\n\r\n", "<\ufffd@x>"),
        (b"", None),
    ],
)
def test_message_id(raw, expected):
    assert message_id(raw) == expected


def test_gui_settings_round_trip_and_bad_values_are_refused(tmp_path):
    account = Account(name="office", host="imap.example.org", user="u", tls_fingerprint="a" * 64)
    config = Config(
        accounts={"office": account},
        archive_dir=tmp_path / "Archiv",
        default_cutoff="2y",
        language="de",
    )
    path = tmp_path / "config.json"
    save_config(config, path)
    assert load_config(path) == config
    assert config.archive_root(AppDirs.under(tmp_path)) == tmp_path / "Archiv"
    assert Config().archive_root(AppDirs.under(tmp_path)) == tmp_path / "archive"
    path.write_text('{"language": "klingon"}')
    with pytest.raises(ConfigError, match="invalid values"):
        load_config(path)


def test_run_log_reads_newest_first_and_skips_broken_lines(tmp_path):
    started = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    summary = {"account": "a", "archived": 3, "deleted": 3, "bytes": 10, "errors": 0}
    summary |= {"cancelled": False, "error": None, "quota_before": None, "quota_after": None}
    record_run(tmp_path, started, summary)
    with (tmp_path / RUNLOG_NAME).open("ab") as file:
        file.write(b"{not json\n")
    record_run(tmp_path, started, summary | {"account": "b", "quota_after": {"used": 5}})
    runs = read_runs(tmp_path)
    assert [r.account for r in runs] == ["b", "a"]
    assert runs[0].quota_after == 5 and runs[1].started == started
    assert_private(tmp_path / RUNLOG_NAME)


def test_provider_presets_are_usable_accounts():
    names = [preset.name for preset in PRESETS]
    assert len(set(names)) == len(names)
    assert len({preset.host for preset in PRESETS}) == len(PRESETS)
    domains = [domain for preset in PRESETS for domain in preset.domains]
    assert len(set(domains)) == len(domains)
    for preset in PRESETS:
        assert (preset.port, preset.security) == (993, Security.SSL)  # all offer IMAPS
        assert all(domain == domain.lower() and "@" not in domain for domain in preset.domains)
        account = Account(name="office", host=preset.host, user="u", port=preset.port)
        assert account.effective_port == 993
    assert {"GMX", "WEB.DE", "T-Online", "IONOS", "Strato", "Posteo", "mailbox.org"} <= set(names)


@pytest.mark.parametrize(
    ("address", "provider"),
    [
        ("anna@gmx.de", "GMX"),
        ("  Anna.Muster@GMX.NET ", "GMX"),
        ("info@web.de", "WEB.DE"),
        ("kanzlei@t-online.de", "T-Online"),
        ("x@googlemail.com", "Gmail"),
        ("x@hotmail.de", "Outlook.com / Microsoft 365"),
        ("x@me.com", "iCloud"),
        ("a@b@posteo.de", "Posteo"),  # the domain follows the last @
        ("info@kanzlei-muster.de", None),  # own domains: no guess (IONOS, Strato, ...)
        ("gmx.de", None),
        ("anna@", None),
        ("", None),
    ],
)
def test_preset_for_an_address_goes_by_its_domain(address, provider):
    preset = preset_for_address(address)
    assert (preset.name if preset else None) == provider


def test_preset_for_a_host():
    preset = preset_for_host(" IMAP.GMX.NET ")
    assert preset is not None and preset.name == "GMX"
    assert preset_for_host("imap.example.com") is None
    assert preset_for_host("") is None


def test_every_command_and_option_of_the_cli_explains_itself(capsys):
    """``--help`` works on every command, and every option and argument has a help text."""
    silent: list[str] = []
    commands: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, path: list[str]) -> None:
        commands.append(path)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*path, name])
            elif not action.help and not isinstance(
                action, argparse._HelpAction | argparse._VersionAction
            ):
                silent.append(" ".join([*path, action.dest]))

    top = build_parser()  # every command a stub, with its help line
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            assert [a.help for a in action._choices_actions if not a.help] == []
            assert list(action.choices) == [name for name, _, _ in COMMANDS]
    commands.append([])
    for name, _, _ in COMMANDS:  # each command's own parser, complete
        full = build_parser(name)
        sub = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction))
        walk(sub.choices[name], [name])
    assert not silent
    for path in commands:
        with pytest.raises(SystemExit) as done:
            parse_args([*path, "--help"])
        assert done.value.code == 0
        assert capsys.readouterr().out.startswith("usage: imap-archiver")
    assert len(commands) > 12


@pytest.mark.parametrize("signum", interrupt_signals(), ids=lambda s: s.name)
def test_ctrl_c_and_ctrl_break_stop_at_a_safe_point_then_quit(signum, capsys):
    token = CancelToken()
    before = {s: signal.getsignal(s) for s in interrupt_signals()}
    with Interrupts(token):
        signal.raise_signal(signum)  # what the console sends (Ctrl-Break: SIGBREAK, Windows)
        assert token.is_cancelled
        assert "Stopping at a safe point" in capsys.readouterr().err
        with pytest.raises(KeyboardInterrupt):  # the second one quits at once
            signal.raise_signal(signum)
    assert {s: signal.getsignal(s) for s in interrupt_signals()} == before  # put back


def test_ctrl_break_is_handled_on_windows():
    names = [s.name for s in interrupt_signals()]
    assert names == (["SIGINT", "SIGBREAK"] if sys.platform == "win32" else ["SIGINT"])


def test_log_files_below_a_folder_are_closed_before_it_goes(tmp_path):
    setup_logging(AppDirs.under(tmp_path), verbose=False)
    logging.getLogger("archiver").info("into the log file")
    log_file = tmp_path / "logs" / "imap-archiver.log"
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.FileHandler) and h.baseFilename == str(log_file)
    ]
    assert handler.stream is not None  # open: Windows could not remove the folder

    close_logs_below(tmp_path)

    assert handler not in logging.getLogger().handlers and handler.stream is None
    assert "into the log file" in log_file.read_text()
