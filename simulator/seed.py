"""Seed files: YAML descriptions of v2 and v3 applications, loaded into an empty state.

See ``simulator/README.md`` ("Seed format") for the format. Account lists are
either explicit or generated deterministically from a spec (count, provider mix
and a fixed random seed), always with addresses at example.com/.org/.net.
"""

import hashlib
import random
import string

import yaml

from .errors import BadRequest
from .translate import DEFAULT_INTERVAL, RESOURCE_TYPES

REGIONS = ("us", "eu")
DOMAINS = ("example.com", "example.org", "example.net")
FIRST_NAMES = (
    "ada", "alan", "grace", "linus", "margaret", "ken", "barbara", "dennis", "edsger", "frances",
    "guido", "hedy", "ivan", "john", "katherine", "leslie", "mary", "niklaus", "radia", "tim",
)
LAST_NAMES = (
    "lovelace", "turing", "hopper", "torvalds", "hamilton", "thompson", "liskov", "ritchie",
    "dijkstra", "allen", "rossum", "lamarr", "sutherland", "backus", "johnson", "lamport",
    "keller", "wirth", "perlman", "berners",
)
#: Default mix used when a generator spec gives none (weights).
DEFAULT_MIX = (
    {"provider": "gmail", "authentication_type": "oauth", "weight": 40},
    {"provider": "graph", "authentication_type": "oauth", "weight": 25},
    {"provider": "imap", "authentication_type": "password", "weight": 10},
    {"provider": "icloud", "authentication_type": "password", "weight": 8},
    {"provider": "exchange", "authentication_type": "password", "weight": 7},
    {"provider": "eas", "authentication_type": "password", "weight": 5},
    {"provider": "ews", "authentication_type": "password", "weight": 5},
)
ID_ALPHABET = string.ascii_lowercase + string.digits


class SeedError(ValueError):
    """The seed file is not valid."""


def load_seed(path):
    """Read and validate a seed file; return ``{"v2_applications": [...], "v3_applications": [...]}``.

    Generated account lists are expanded, so the result holds explicit accounts only.
    """
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return normalise_seed(raw)


def normalise_seed(raw):
    """Validate a parsed seed mapping and expand its account generators."""
    if not isinstance(raw, dict):
        raise SeedError("a seed must be a mapping with v2_applications and v3_applications")
    v2_apps, v3_apps = [], []
    for app in raw.get("v2_applications") or []:
        for key in ("client_id", "client_secret", "region"):
            if not app.get(key):
                raise SeedError(f"v2 application {app.get('client_id')!r}: {key} is required")
        if app["region"] not in REGIONS:
            raise SeedError(f"v2 application {app['client_id']}: region must be one of {REGIONS}")
        v2_apps.append({
            "client_id": str(app["client_id"]),
            "client_secret": str(app["client_secret"]),
            "region": app["region"],
            "application_name": app.get("application_name") or app["client_id"],
            "icon_url": app.get("icon_url"),
            "website_url": app.get("website_url"),
            "redirect_uris": list(app.get("redirect_uris") or []),
            "integrations": list(app.get("integrations") or []),
            "webhooks": list(app.get("webhooks") or []),
            "accounts": with_objects(app["client_id"], expand_accounts(app["client_id"], app.get("accounts")),
                                     app.get("objects"), app.get("accounts")),
        })
    for app in raw.get("v3_applications") or []:
        for key in ("application_id", "api_key", "region"):
            if not app.get(key):
                raise SeedError(f"v3 application {app.get('application_id')!r}: {key} is required")
        if app["region"] not in REGIONS:
            raise SeedError(f"v3 application {app['application_id']}: region must be one of {REGIONS}")
        branding = dict(app.get("branding") or {})
        branding.setdefault("name", app["application_id"])
        v3_apps.append({
            "application_id": str(app["application_id"]),
            "api_key": str(app["api_key"]),
            "region": app["region"],
            "environment": app.get("environment", "production"),
            "organization_id": app.get("organization_id") or f"org-{app['application_id']}",
            "branding": branding,
            "callback_uris": list(app.get("callback_uris") or []),
            "v2_application_id": app.get("v2_application_id"),
            "connectors": _seed_list(app, "connectors", ("provider",)),
            "webhooks": _seed_list(app, "webhooks", ("webhook_url", "trigger_types")),
            "pubsub_channels": _seed_list(app, "pubsub_channels", ("topic", "trigger_types")),
        })
    ids = [a["id"] for app in v2_apps for a in app["accounts"]]
    if len(ids) != len(set(ids)):
        raise SeedError("account ids must be unique across the seed")
    return {"v2_applications": v2_apps, "v3_applications": v3_apps}


#: Statuses a seeded webhook or Pub/Sub channel may have.
SEED_DESTINATION_STATUSES = ("active", "failing", "failed", "pause")


def _seed_list(app, key, required):
    """The v3 application's ``connectors``, ``webhooks`` or ``pubsub_channels`` (a list of mappings)."""
    items = app.get(key) or []
    if not isinstance(items, list):
        raise SeedError(f"v3 application {app['application_id']}: {key} must be a list")
    for index, item in enumerate(items):
        missing = [k for k in required if not isinstance(item, dict) or not item.get(k)]
        if missing:
            raise SeedError(f"v3 application {app['application_id']}: {key}[{index}] needs {', '.join(missing)}")
        if item.get("status", "active") not in SEED_DESTINATION_STATUSES:
            raise SeedError(f"v3 application {app['application_id']}: {key}[{index}].status must be one of "
                            f"{', '.join(SEED_DESTINATION_STATUSES)}")
    return [dict(item) for item in items]


def _account_id(rng):
    return "".join(rng.choice(ID_ALPHABET) for _dummy in range(25))


def expand_accounts(client_id, spec):
    """Return the explicit account list for a v2 application.

    ``spec`` is a list of accounts, or a generator mapping ``count``, ``seed``,
    ``mix`` (list of ``provider``/``authentication_type``/``weight``),
    ``invalid_sync_ratio``, ``stopped_sync_ratio``, ``deleted_ratio`` (v2
    ``billing_state: deleted``), ``start`` (unix time of the
    oldest link) and ``span_days``.
    """
    if spec is None:
        return []
    if isinstance(spec, list):
        out = []
        for index, acc in enumerate(spec):
            if not acc.get("provider"):
                raise SeedError(f"{client_id}: account #{index} needs a provider")
            acc_id = acc.get("id") or hashlib.sha1(f"{client_id}/{index}".encode()).hexdigest()[:25]
            out.append({
                "id": str(acc_id),
                "email": acc.get("email") or f"user{index}@{DOMAINS[index % 3]}",
                "name": acc.get("name"),
                "provider": acc["provider"],
                "authentication_type": acc.get("authentication_type") or _default_auth(acc["provider"]),
                "sync_state": acc.get("sync_state", "running"),
                "billing_state": acc.get("billing_state", "paid"),
                "trial": bool(acc.get("trial", False)),
                "linked_at": int(acc.get("linked_at", 1_600_000_000 + index * 60)),
            })
        return out
    if not isinstance(spec, dict) or "count" not in spec:
        raise SeedError(f"{client_id}: accounts must be a list or a mapping with count")
    rng = random.Random(spec.get("seed", client_id))
    mix = list(spec.get("mix") or DEFAULT_MIX)
    weights = [float(m.get("weight", 1)) for m in mix]
    invalid_ratio = float(spec.get("invalid_sync_ratio", 0.03))
    stopped_ratio = float(spec.get("stopped_sync_ratio", 0.0))
    deleted_ratio = float(spec.get("deleted_ratio", 0.0))
    start = int(spec.get("start", 1_577_836_800))  # 2020-01-01
    span = int(float(spec.get("span_days", 1460)) * 86400)
    out = []
    for index in range(int(spec["count"])):
        kind = rng.choices(mix, weights)[0]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        roll = rng.random()
        if roll < invalid_ratio:
            sync_state = "invalid"
        elif roll < invalid_ratio + stopped_ratio:
            sync_state = "stopped"
        else:
            sync_state = "running"
        out.append({
            "id": _account_id(rng),
            "email": f"{first}.{last}.{index}@{rng.choice(DOMAINS)}",
            "name": f"{first.title()} {last.title()}",
            "provider": kind["provider"],
            "authentication_type": kind.get("authentication_type") or _default_auth(kind["provider"]),
            "sync_state": sync_state,
            "billing_state": "deleted" if rng.random() < deleted_ratio else "paid",
            "trial": False,
            "linked_at": start + rng.randrange(max(span, 1)),
        })
    return out


def with_objects(client_id, accounts, spec, raw_accounts=None):
    """Give each account its v2 objects: ``{"counts": {resource type: n}, "interval": seconds}``.

    ``spec`` (the v2 application's ``objects``, optional) holds ``counts`` (objects per resource type
    of every account), ``interval`` (seconds between two objects' ``created_at``, default 3600) and
    ``accounts`` (per-account counts by position in the account list, replacing ``counts`` type by
    type). An explicit account may also carry its own ``objects`` counts. Nothing here draws from
    the account generator's random numbers, so accounts are generated exactly as without objects.
    """
    spec = spec or {}
    if not isinstance(spec, dict):
        raise SeedError(f"{client_id}: objects must be a mapping")

    def counts_of(value, where):
        value = value or {}
        if not isinstance(value, dict):
            raise SeedError(f"{client_id}: {where} must map resource types to counts")
        bad = [k for k in value if k not in RESOURCE_TYPES]
        if bad:
            raise SeedError(f"{client_id}: {where}: unknown resource type(s) {', '.join(map(str, bad))}")
        if any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in value.values()):
            raise SeedError(f"{client_id}: {where}: counts must be integers >= 0")
        return dict(value)

    base = counts_of(spec.get("counts"), "objects.counts")
    interval = spec.get("interval", DEFAULT_INTERVAL)
    if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
        raise SeedError(f"{client_id}: objects.interval must be an integer >= 1 (seconds)")
    overrides = spec.get("accounts") or {}
    if not isinstance(overrides, dict):
        raise SeedError(f"{client_id}: objects.accounts must map account positions to counts")
    explicit = raw_accounts if isinstance(raw_accounts, list) else []
    for index, account in enumerate(accounts):
        counts = dict(base)
        counts.update(counts_of(overrides.get(index), f"objects.accounts.{index}"))
        if index < len(explicit) and isinstance(explicit[index], dict):
            counts.update(counts_of(explicit[index].get("objects"), f"account #{index} objects"))
        account["objects"] = {"counts": counts, "interval": interval}
    return accounts


def _default_auth(provider):
    return "oauth" if provider in ("gmail", "graph", "google", "microsoft", "outlook", "hotmail") else "password"


def validate_region(region):
    """Raise :class:`BadRequest` for an unknown region name."""
    if region not in REGIONS:
        raise BadRequest(f"unknown region {region!r}: expected one of {', '.join(REGIONS)}")
