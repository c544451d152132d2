"""The example nginx configuration's access log keeps no secret: the one-time invitation link's token is written as
<token>, as in the app's own log (security review: `$uri` logged it in clear, and whoever read the log could set
the new account's password)."""
from __future__ import annotations

import re

from tracker.config import ROOT
from tracker.operations.logging import private_path

CONFIG = (ROOT / "deploy" / "nginx" / "tracker.conf").read_text()


def logged_uri(uri: str) -> str:
    """What the config's ``map $uri $tracker_logged_uri`` makes of ``uri``: the first matching regex entry (nginx
    tries them in order) with its captures substituted, else the default."""
    block = re.search(r"map \$uri \$tracker_logged_uri \{(.*?)\n\}", CONFIG, re.S).group(1)
    for line in block.strip().splitlines():
        pattern, value = line.strip().rstrip(";").split(None, 1)
        if pattern == "default":
            continue
        found = re.match(pattern.lstrip("~").replace("(?<", "(?P<"), uri)
        if found:
            return re.sub(r"\$(\w+)", lambda name: found.group(name.group(1)), value.strip())
    return uri


def test_the_access_log_writes_the_mapped_path_never_the_raw_one():
    log_format = re.search(r"log_format tracker_privacy '([^']*)'", CONFIG).group(1)
    assert "$tracker_logged_uri" in log_format
    assert not re.search(r"\$(uri|request_uri|request|args|query_string|remote_addr)\b", log_format)


def test_an_invitation_token_is_logged_as_in_the_apps_own_log():
    for path in ("/invitation/Zq3-x_9Kk2", "/invitation/Zq3-x_9Kk2/", "/cases/17", "/portal"):
        assert logged_uri(path) == private_path(path)
    assert "Zq3" not in logged_uri("/invitation/Zq3-x_9Kk2")
