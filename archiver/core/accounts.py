"""IMAP accounts: where the server is and how to reach it securely, and the settings of
common providers. Never a password."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path

from archiver.core.errors import ConfigError

ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")


def parse_fingerprint(text: str) -> str:
    """Read a SHA-256 fingerprint as shown (AB:CD:..., with or without colons or spaces)."""
    fingerprint = re.sub(r"[\s:]", "", text.removeprefix("SHA256:").removeprefix("sha256:"))
    if not FINGERPRINT.match(fingerprint.lower()):
        raise ConfigError(f"{text!r} is not a SHA-256 fingerprint (64 hex digits).")
    return fingerprint.lower()


class Security(enum.Enum):
    """How the connection is protected."""

    SSL = "ssl"  # implicit TLS (IMAPS, usually port 993)
    STARTTLS = "starttls"  # plain connection upgraded before login; never falls back
    PLAIN = "plain"  # no encryption; only on explicit request

    @property
    def default_port(self) -> int:
        """The port servers usually offer this security on."""
        return 993 if self is Security.SSL else 143


class PasswordSource(enum.Enum):
    """Where the password comes from at run time."""

    KEYRING = "keyring"  # the system keyring, set by ``account add --password-stdin``
    COMMAND = "command"  # a command that prints it, like mbsync's PassCmd
    PROMPT = "prompt"  # asked on each run (terminal prompt or --password-stdin)


@dataclass(frozen=True, slots=True)
class Account:
    """One IMAP account as configured."""

    name: str
    host: str
    user: str
    security: Security = Security.SSL
    port: int | None = None
    cafile: Path | None = None
    password_source: PasswordSource = PasswordSource.PROMPT
    password_command: str | None = None
    # SHA-256 of a server certificate the user chose to trust (lower-case hex), for servers
    # whose certificate no CA vouches for; only that exact certificate is then accepted.
    tls_fingerprint: str | None = None

    def __post_init__(self) -> None:
        if not ACCOUNT_NAME.match(self.name):
            raise ConfigError(
                f"Invalid account name {self.name!r}: use letters, digits and . _ @ + - "
                "(at most 64 characters, starting with a letter or digit)."
            )
        if not self.host or any(c.isspace() for c in self.host):
            raise ConfigError(f"Account {self.name}: invalid host name {self.host!r}.")
        if not self.user:
            raise ConfigError(f"Account {self.name}: the user name is empty.")
        if self.port is not None and not 0 < self.port < 65536:
            raise ConfigError(f"Account {self.name}: port {self.port} is out of range.")
        if self.password_source is PasswordSource.COMMAND and not self.password_command:
            raise ConfigError(f"Account {self.name}: a password command is required.")
        if self.tls_fingerprint is not None and not FINGERPRINT.match(self.tls_fingerprint):
            raise ConfigError(f"Account {self.name}: invalid certificate fingerprint.")

    @property
    def effective_port(self) -> int:
        """The configured port, or the usual one for the security mode."""
        return self.port if self.port is not None else self.security.default_port

    def to_dict(self) -> dict[str, object]:
        """Return the account as plain JSON values."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "security": self.security.value,
            "cafile": str(self.cafile) if self.cafile else None,
            "password_source": self.password_source.value,
            "password_command": self.password_command,
            "tls_fingerprint": self.tls_fingerprint,
        }

    @classmethod
    def from_dict(cls, name: str, data: dict[str, object]) -> Account:
        """Build an account from the JSON values written by to_dict()."""
        try:
            port = data.get("port")
            cafile = data.get("cafile")
            command = data.get("password_command")
            fingerprint = data.get("tls_fingerprint")
            return cls(
                name=name,
                host=str(data["host"]),
                user=str(data["user"]),
                security=Security(data.get("security", "ssl")),
                port=int(port) if isinstance(port, int | str) else None,
                cafile=Path(str(cafile)) if cafile else None,
                password_source=PasswordSource(data.get("password_source", "prompt")),
                password_command=str(command) if command else None,
                tls_fingerprint=str(fingerprint) if fingerprint else None,
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ConfigError(f"Account {name}: invalid settings ({exc}).") from exc


@dataclass(frozen=True, slots=True)
class ProviderPreset:
    """The IMAP settings a mail provider publishes, for filling in an account.

    Attributes:
        name: the provider's name as users know it (not translated).
        host, port, security: where and how its IMAP server is reached.
        note: what a user must know before logging in (English; "" if nothing). The GUI
            translates it: archiver/gui/dialogs/account.py lists each note for lupdate.
        domains: the e-mail domains whose addresses live there, lower case (providers
            hosting their customers' own domains have none).
    """

    name: str
    host: str
    port: int
    security: Security
    note: str = ""
    domains: tuple[str, ...] = ()


# Providers common with small offices in Germany, then international ones, with the servers
# they publish for mail programs (as does Thunderbird's provider database, ISPDB). All of
# them offer IMAP over implicit TLS on 993. The GUI adds "Other" for any other server.
PRESETS: tuple[ProviderPreset, ...] = (
    ProviderPreset(
        "GMX",
        "imap.gmx.net",
        993,
        Security.SSL,
        "If the login is refused, allow access by POP3 and IMAP in the settings of the GMX "
        "web mail.",
        ("gmx.de", "gmx.net", "gmx.at", "gmx.ch"),
    ),
    ProviderPreset(
        "WEB.DE",
        "imap.web.de",
        993,
        Security.SSL,
        "If the login is refused, allow access by POP3 and IMAP in the settings of the WEB.DE "
        "web mail.",
        ("web.de",),
    ),
    ProviderPreset(
        "T-Online",
        "secureimap.t-online.de",
        993,
        Security.SSL,
        "Use your e-mail password, which you set in the Telekom E-Mail Center, not the "
        "password of your Telekom login.",
        ("t-online.de", "magenta.de"),
    ),
    ProviderPreset(
        "IONOS",
        "imap.ionos.de",
        993,
        Security.SSL,
        "The user name is your full e-mail address.",
    ),
    ProviderPreset(
        "Strato",
        "imap.strato.de",
        993,
        Security.SSL,
        "The user name is your full e-mail address.",
    ),
    ProviderPreset(
        "Posteo",
        "posteo.de",
        993,
        Security.SSL,
        domains=("posteo.de", "posteo.net", "posteo.at", "posteo.ch", "posteo.eu", "posteo.org"),
    ),
    ProviderPreset("mailbox.org", "imap.mailbox.org", 993, Security.SSL, domains=("mailbox.org",)),
    ProviderPreset(
        "Gmail",
        "imap.gmail.com",
        993,
        Security.SSL,
        "Gmail accepts an app password here, not your Google password: create one in your "
        "Google Account under Security (2-Step Verification must be on).",
        ("gmail.com", "googlemail.com"),
    ),
    ProviderPreset(
        "Outlook.com / Microsoft 365",
        "outlook.office365.com",
        993,
        Security.SSL,
        "Microsoft usually lets mail programs in only with OAuth sign-in, which IMAP Archiver "
        "does not support: logging in with a password will most likely be refused.",
        (
            "outlook.com",
            "outlook.de",
            "hotmail.com",
            "hotmail.de",
            "live.com",
            "live.de",
            "msn.com",
        ),
    ),
    ProviderPreset(
        "Yahoo",
        "imap.mail.yahoo.com",
        993,
        Security.SSL,
        "Yahoo accepts an app password here, not your Yahoo password: create one in the "
        "security settings of your Yahoo account.",
        ("yahoo.com", "yahoo.de", "ymail.com"),
    ),
    ProviderPreset(
        "iCloud",
        "imap.mail.me.com",
        993,
        Security.SSL,
        "iCloud accepts an app-specific password here, not your Apple Account password: "
        "create one in your Apple Account's security settings.",
        ("icloud.com", "me.com", "mac.com"),
    ),
)


def preset_for_address(address: str) -> ProviderPreset | None:
    """Return the preset of the provider hosting the e-mail *address*, if known."""
    _, at, domain = address.strip().rpartition("@")
    if not at or not domain:
        return None
    domain = domain.lower()
    return next((preset for preset in PRESETS if domain in preset.domains), None)


def preset_for_host(host: str) -> ProviderPreset | None:
    """Return the preset whose IMAP server is *host*, if any."""
    host = host.strip().lower()
    return next((preset for preset in PRESETS if preset.host == host), None)
