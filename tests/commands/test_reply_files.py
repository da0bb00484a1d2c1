"""rsvp reads regular message files only, not through links, up to a size, and never repeats
what a file that is no reply holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands.replies import MAX_REPLY_BYTES, read_reply_file, reply_files
from mail.replies import ReplyError, parse_reply
from tests.helpers.replies import AUTHSERV, eml, ics


def test_links_large_files_and_other_files_are_refused_without_their_contents(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("DB_PASSWORD=hunter2\n", encoding="utf-8")
    linked = tmp_path / "reply.eml"
    linked.symlink_to(secret)
    with pytest.raises(ReplyError, match="a symbolic link") as refused:
        read_reply_file(linked)
    assert "hunter2" not in str(refused.value)
    # A file that is no reply: refused for what it lacks, its contents not quoted.
    with pytest.raises(ReplyError) as refused:
        parse_reply(read_reply_file(secret), (AUTHSERV,))
    assert "hunter2" not in str(refused.value)
    big = tmp_path / "big.eml"
    big.write_bytes(b"x" * (MAX_REPLY_BYTES + 1))
    with pytest.raises(ReplyError, match="larger than"):
        read_reply_file(big)
    with pytest.raises(ReplyError, match="not a regular file"):
        read_reply_file(Path("/dev/zero"))


def test_a_folder_stands_for_its_message_files_and_no_links(tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir" / "new"
    maildir.mkdir(parents=True)
    (maildir / "1.eml").write_bytes(eml(ics()))
    (maildir / "2.eml").symlink_to(tmp_path / "elsewhere")
    (maildir / ".hidden").write_bytes(b"x")
    assert reply_files([tmp_path / "Maildir"]) == [maildir / "1.eml"]
    assert parse_reply(read_reply_file(maildir / "1.eml"), (AUTHSERV,)).partstat == "ACCEPTED"
