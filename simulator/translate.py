"""v2 objects of the simulated accounts and their v3 ids, for ``POST /v3/migration-tools/translate``.

Nothing is stored: the objects of an account are generated on demand, deterministically, from the
account id, its ``linked_at`` and its object counts per resource type (set in the seed, see
``simulator/README.md``, "Seed format"). Object ``i`` of a resource type:

* v2 id: 25 characters of ``[a-z0-9]`` (the shape of a v2 Nylas id), from a SHA-1 of
  ``<account id>/<resource type>/<i>``;
* ``created_at``: ``linked_at + (i + 1) * interval`` (objects are already sorted by creation time,
  as the endpoint sorts them);
* v3 id: shaped like the provider's own ids (Google hex message ids, Microsoft Graph ``AAMk...``
  ids, ...). For IMAP folders it is the folder **name**, as Nylas documents: the v3 folder id is then
  ``base64("v0:<grant_id>:<folder name>")``, computed by the caller. No id is ever shaped like an
  email address (Google calendar ids would be; the simulator gives calendars ``c_<hex>`` ids).
"""

import hashlib

from .errors import BadRequest

#: The resource types of the contract (request ``resource_type`` enum), in the contract's order.
RESOURCE_TYPES = ("messages", "drafts", "threads", "contacts", "contactgroups", "events", "calendars", "folders")
#: Translations per page, as documented ("pages of up to 3000").
PAGE_SIZE = 3000
#: Seconds between the ``created_at`` of two consecutive objects of one account and type (seed default).
DEFAULT_INTERVAL = 3600
#: v2 providers whose objects cannot be translated ("This endpoint does not work for objects in v2
#: accounts that have the provider set to Outlook").
UNTRANSLATABLE_PROVIDERS = ("outlook",)
#: Resource types a v3 provider has at all (a virtual calendar only has calendars and events).
TYPES_BY_V3_PROVIDER = {"virtual-calendar": ("events", "calendars")}
#: IMAP folder names handed out in order; later folders are ``Folder <n>``.
IMAP_FOLDERS = ("INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive", "INBOX/Receipts", "Projects 2024")
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def _digest(*parts):
    return hashlib.sha1("/".join(str(p) for p in parts).encode("utf-8")).digest()


def v2_object_id(account_id, resource_type, index):
    """The v2 id of object ``index`` of an account's resource type (25 characters, ``[a-z0-9]``)."""
    number = int.from_bytes(_digest("v2", account_id, resource_type, index), "big")
    out = []
    for _dummy in range(25):
        number, rest = divmod(number, 36)
        out.append(_ALNUM[rest])
    return "".join(out)


def v3_object_id(v3_provider, account_id, resource_type, index):
    """The provider-shaped v3 id of object ``index`` (an IMAP folder's *name* for IMAP folders)."""
    raw = _digest("v3", account_id, resource_type, index)
    hexa = raw.hex()
    if v3_provider == "imap" and resource_type == "folders":
        return IMAP_FOLDERS[index] if index < len(IMAP_FOLDERS) else "Folder %d" % (index + 1)
    if v3_provider == "google":
        if resource_type in ("messages", "threads", "drafts"):
            return hexa[:16]
        if resource_type == "events":
            return v2_object_id(account_id, "google-event", index) + "a"
        if resource_type == "calendars":
            return "c_" + hexa[:32]
        if resource_type == "contacts":
            return "people/c%d" % (int(hexa[:15], 16))
        if resource_type == "contactgroups":
            return "contactGroups/" + hexa[:12]
        return "Label_%d" % (int(hexa[:10], 16))
    if v3_provider in ("microsoft", "ews"):
        body = hashlib.sha256(raw).hexdigest()[:48].upper()
        return "AAMkAD" + body + "AAA="
    # imap, icloud, virtual-calendar and anything else: opaque lowercase ids
    return hexa[:24]


def object_count(counts, resource_type, v3_provider):
    """How many objects of ``resource_type`` an account with object ``counts`` has (0 when the provider has none)."""
    allowed = TYPES_BY_V3_PROVIDER.get(v3_provider)
    if allowed is not None and resource_type not in allowed:
        return 0
    return int((counts or {}).get(resource_type, 0))


def created_at(linked_at, interval, index):
    """``created_at`` of object ``index`` (unix seconds)."""
    return int(linked_at) + (index + 1) * int(interval)


def first_index_after(linked_at, interval, timestamp, count):
    """The index of the first object created strictly after ``timestamp`` (``count`` when none)."""
    if timestamp is None:
        return 0
    # created_at(i) > timestamp  <=>  i + 1 > (timestamp - linked_at) / interval
    steps = (int(timestamp) - int(linked_at)) // int(interval)
    return max(0, min(count, steps))


def check_translate_body(body):
    """Validate the JSON body of a translate request; return ``(resource_type, account_id, ids, since, page)``.

    Raises :class:`~simulator.errors.BadRequest` for a missing or badly typed member, an unknown
    resource type or a page number below 1.
    """
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object with resource_type and v2_account_id")
    unknown = set(body) - {"resource_type", "v2_account_id", "nylas_ids", "start_from_timestamp", "next_page_number"}
    if unknown:
        raise BadRequest(f"unknown field(s): {', '.join(sorted(unknown))}")
    resource_type = body.get("resource_type")
    if not isinstance(resource_type, str) or not resource_type:
        raise BadRequest("resource_type is required")
    if resource_type not in RESOURCE_TYPES:
        raise BadRequest(f"unknown resource_type {resource_type!r}: expected one of {', '.join(RESOURCE_TYPES)}")
    account_id = body.get("v2_account_id")
    if not isinstance(account_id, str) or not account_id:
        raise BadRequest("v2_account_id is required")
    ids = body.get("nylas_ids")
    if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)):
        raise BadRequest("nylas_ids must be a list of v2 ids")
    since = body.get("start_from_timestamp")
    if since is not None and (isinstance(since, bool) or not isinstance(since, int) or since < 0):
        raise BadRequest("start_from_timestamp must be a unix timestamp (integer seconds)")
    page = body.get("next_page_number", 1)
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise BadRequest("next_page_number must be an integer >= 1")
    return resource_type, account_id, ids, since, page


def translate_page(account, v3_provider, resource_type, ids=None, since=None, page=1, interval=DEFAULT_INTERVAL,
                   page_size=PAGE_SIZE):
    """One page of translations of an account's objects.

    :param account: the v2 account (``id``, ``linked_at``, ``objects``: counts per resource type).
    :param v3_provider: the account's v3 provider name (shapes the v3 ids).
    :param ids: only these v2 ids (unknown ids are left out), or ``None`` for every object.
    :param since: only objects created strictly after this unix time, or ``None``.
    :param page: 1 for the first page.
    :returns: ``(translations, next_page_number or None)``; translations are
        ``{"v2_resource_id", "v3_resource_id"}`` sorted by creation time.
    """
    count = object_count(account.get("objects"), resource_type, v3_provider)
    start = first_index_after(account["linked_at"], interval, since, count)
    if ids is None:
        indices = range(start, count)
    else:
        wanted = set(ids)
        indices = [i for i in range(start, count) if v2_object_id(account["id"], resource_type, i) in wanted]
    chosen = indices[(page - 1) * page_size:page * page_size]
    translations = [{"v2_resource_id": v2_object_id(account["id"], resource_type, i),
                     "v3_resource_id": v3_object_id(v3_provider, account["id"], resource_type, i)} for i in chosen]
    more = len(indices) > page * page_size
    return translations, (page + 1 if more else None)
