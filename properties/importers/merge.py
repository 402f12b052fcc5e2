"""One batch of rows against what is stored: who and what each row matches, and what changes.

The plan reads the stored rows the batch can touch (a fixed number of queries whatever the
batch size), then applies the rows in file order in memory, so the outcome is the same as
importing the rows one by one, and the same however the file is cut into batches (which is
what makes --resume end where an uninterrupted run ends). The writer then stores the result.

Merge rules:
- property: matched by (state, APN) when the row has an APN, else by address key; facts
  (value, equity, beds, flags...) are refreshed from the file, empty cells never clear them;
  city, ZIP and APN are only filled when empty; the address is never rewritten.
- owner: matched by any of their phone numbers (Contact.phone or ContactPhone), else by
  name among the people already linked to the same property, else by email (when the names
  agree); names, email, notes and the mailing address are only filled when empty; lead
  status and opt-out are never touched; every new number is kept in ContactPhone.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, ForeignKey, Lookup
from django.db.models.functions import Lower

from contacts.models import Contact, ContactPhone, Tag
from properties.models import OwnerRole, Property, PropertyContact

from .records import NO_FACTS, PROPERTY_FACTS, OwnerRecord, ParsedRow, PropertyRecord
from .values import name_key
from .writers import PortableWriter, Update

_PROPERTY_FILL = ("city", "zip_code", "apn")
_PROPERTY_READ = ("id", "address", "city", "state", "zip_code", "address_key", "apn", *PROPERTY_FACTS)
_PROPERTY_UPDATE = {**dict.fromkeys(_PROPERTY_FILL, Update.FILL), **dict.fromkeys(PROPERTY_FACTS, Update.SET)}

_MAILING = ("mailing_address", "mailing_city", "mailing_state", "mailing_zip")
_CONTACT_FILL = ("first_name", "last_name", "email", "notes")
_CONTACT_READ = ("id", "phone", *_CONTACT_FILL, *_MAILING)
_CONTACT_UPDATE = {**dict.fromkeys(("phone", *_CONTACT_FILL, *_MAILING), Update.FILL)}

# Lookups by key lists are split so no statement exceeds SQLite's parameter limit.
_LOOKUP_CHUNK = 900


class _Keys:
    """A batch's keys for `__import_any`; not a list, so Django does not walk it item by item."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items


# Text keys are joined with the ASCII unit separator: str.split() treats it as whitespace, so no
# cleaned cell, address key, E.164 number or email address contains it.
_SEPARATOR = "\x1f"


class _AnyOf(Lookup):
    """`column = ANY(string_to_array(%s, ...))`: thousands of keys in one parameter (PostgreSQL).

    A plain `IN (%s, %s, ...)` with a batch's worth of keys spends more time building and
    parsing the statement than PostgreSQL spends answering it; so does adapting a list of
    5,000 Python strings to an array parameter.
    """

    lookup_name = "import_any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        keys = self.rhs.items
        if keys and isinstance(keys[0], int):
            return f"{lhs} = ANY(string_to_array(%s, ',')::bigint[])", [*params, ",".join(map(str, keys))]
        return f"{lhs} = ANY(string_to_array(%s, %s))", [*params, _SEPARATOR.join(keys), _SEPARATOR]


Field.register_lookup(_AnyOf)
ForeignKey.register_lookup(_AnyOf)


@contextmanager
def _index_probes():
    """The batch's lookups probe the indexes, one snapshot for all of them (PostgreSQL).

    With a batch's 5,000 keys PostgreSQL's cost model picks a hashed sequential scan of the whole
    table (and, for e-mail, lower() of every row) as soon as it beats 5,000 index probes on paper;
    measured here the probes cost the same at 100,000 rows and 2–4 times less at 330,000
    (~30–45 ms a lookup, whatever the table's size, against 45–200 ms and growing), so the lookups
    stay proportional to the batch, not to the database. Only for these reads: the rest of a
    batch's transaction plans as usual.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")


def _matching(queryset, field: str, keys):
    """Rows of `queryset` whose `field` is one of `keys`: one query on PostgreSQL, chunks elsewhere."""
    keys = list(keys)
    if not keys:
        return
    queryset = queryset.order_by()  # the model's ordering would sort every lookup for nothing
    if connection.vendor == "postgresql":
        yield queryset.filter(**{f"{field}__import_any": _Keys(keys)})
        return
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        yield queryset.filter(**{f"{field}__in": keys[start:start + _LOOKUP_CHUNK]})


@dataclass
class Counts:
    """What a run did so far; the same names as the ImportRun fields."""

    rows_done: int = 0
    properties_created: int = 0
    properties_updated: int = 0
    properties_unchanged: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    contacts_unchanged: int = 0
    links_created: int = 0
    rows_rejected: int = 0
    phones_unusable: int = 0

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def of(cls, run) -> Counts:
        return cls(**{name: getattr(run, name) for name in cls.names()})

    def copy_to(self, run) -> None:
        for name in self.names():
            setattr(run, name, getattr(self, name))


class _PropertyState:
    """A property as the plan knows it; `facts` is its facts in PROPERTY_FACTS order, kept with
    `values`, so a row bringing the very same facts (every re-import) is one tuple comparison."""

    __slots__ = ("id", "values", "new", "dirty", "facts")

    def __init__(self, values: dict[str, Any], facts: tuple, *, id: int | None = None, new: bool = False):
        self.id = id
        self.values = values
        self.new = new
        self.dirty = False
        self.facts = facts


class _ContactState:
    __slots__ = ("id", "values", "new", "dirty", "tag_ids", "name_key")

    def __init__(self, values: dict[str, Any], *, id: int | None = None, new: bool = False):
        self.id = id
        self.values = values
        self.new = new
        self.dirty = False
        self.tag_ids: set[int] = set()
        self.name_key = name_key(values["first_name"], values["last_name"]) if not new else ""


# What a new row starts from before the file's values are merged in (copied, never changed).
_NEW_PROPERTY = dict(zip(PROPERTY_FACTS, NO_FACTS, strict=True))
_NEW_CONTACT = {"phone": None, **dict.fromkeys(_CONTACT_FILL, ""), **dict.fromkeys(_MAILING, "")}


class Carried:
    """What a planned batch changed, for planning the next batch before this one is committed.

    Ids are assigned when the batch is planned (`BatchPlan.reserve_ids`), so the next batch can
    refer to the rows this one creates. It reads the planned batch's own indexes and states; the
    next batch copies the states it matches and never changes them, so the batch being written
    is left alone.
    """

    def __init__(self, plan: BatchPlan):
        self.plan = plan
        # People the batch created or changed, or linked to a house (not a change of their own).
        self.contacts = {c.id: c for c in plan.contacts if c.new or c.dirty}
        self.contacts.update((c.id, c) for _p, c, _role in plan.new_links)
        self.listed = {phone: c.id for c, phone, _label in plan.new_phones}
        self.links: dict[int, list[int]] = {}
        for p, c, _role in plan.new_links:
            self.links.setdefault(p.id, []).append(c.id)

    def property(self, record: PropertyRecord) -> _PropertyState | None:
        """The batch's own state of the house `record` matches, if the batch created or changed it."""
        plan = self.plan
        state = plan.by_key.get(record.key) or (plan.by_apn.get((record.state, record.apn)) if record.apn else None)
        return state if state is not None and (state.new or state.dirty) else None


class BatchPlan:
    """Resolve and merge one batch of parsed rows; `write` stores the outcome.

    `carried`: what the previous batch changed, when it may not be committed yet (pipelined
    import): its rows take precedence over what is read from the database.
    """

    def __init__(self, *, source: str, run_tag: str = "", carried: Carried | None = None):
        self.source = source
        self.run_tag = run_tag
        self.carried = carried
        self.by_apn: dict[tuple[str, str], _PropertyState] = {}
        self.by_key: dict[str, _PropertyState] = {}
        self.properties: list[_PropertyState] = []
        self.contacts: list[_ContactState] = []
        self.by_phone: dict[str, _ContactState] = {}  # number -> the person it belongs to
        self.listed: set[str] = set()  # numbers already in ContactPhone (or queued for it)
        self.by_email: dict[str, list[_ContactState]] = {}
        self.at_property: dict[tuple[_PropertyState, str], _ContactState] = {}
        self.links: set[tuple[_PropertyState, _ContactState]] = set()
        self.tag_ids: dict[str, int] = {}  # casefolded name -> id
        self.run_tag_id: int | None = None
        self.new_phones: list[tuple[_ContactState, str, str]] = []
        self.new_links: list[tuple[_PropertyState, _ContactState, str]] = []
        self.new_tags: list[tuple[_ContactState, int]] = []

    # --- Reading what is stored ---------------------------------------------------------------
    def load(self, rows: Sequence[ParsedRow]) -> None:
        """Read every stored row the batch may match: a fixed number of queries per batch."""
        records = [r.property for r in rows if r.property is not None]
        owners = [o for r in rows for o in r.owners]
        with _index_probes():
            self._load_tags(owners)
            self._load_properties(records)
            self._load_contacts(owners)
        self.carried = None  # read; holding on to it would keep every earlier batch alive, each by the next

    def _load_tags(self, owners: list[OwnerRecord]) -> None:
        names = {t for o in owners for t in o.tags}
        if self.run_tag:
            names.add(self.run_tag)
        if not names:
            return
        wanted = {n.casefold(): n for n in names}
        found = {}
        for name, id_ in Tag.objects.annotate(folded=Lower("name")).filter(
            folded__in=[n.lower() for n in names]
        ).order_by("id").values_list("name", "id"):
            found.setdefault(name.casefold(), id_)
        missing = [Tag(name=wanted[k]) for k in wanted if k not in found]
        if missing:
            Tag.objects.bulk_create(missing, ignore_conflicts=True)
            for name, id_ in Tag.objects.filter(name__in=[t.name for t in missing]).values_list("name", "id"):
                found.setdefault(name.casefold(), id_)
        self.tag_ids = found
        if self.run_tag:
            self.run_tag_id = found[self.run_tag.casefold()]

    def _load_properties(self, records: list[PropertyRecord]) -> None:
        states: dict[int, _PropertyState] = {}
        names = _PROPERTY_READ[1:]
        facts_at = names.index(PROPERTY_FACTS[0])  # the facts close the row, in PROPERTY_FACTS order

        def remember(rows) -> None:
            for id_, *values in rows:
                if id_ not in states:
                    state = states[id_] = _PropertyState(dict(zip(names, values, strict=True)), tuple(values[facts_at:]),
                                                         id=id_)
                    self.by_key[state.values["address_key"]] = state
                    if state.values["apn"]:
                        self.by_apn[(state.values["state"], state.values["apn"])] = state

        columns = Property.objects.values_list(*_PROPERTY_READ)
        if self.carried is not None:
            # The previous batch's rows first: the database may not have them, or not their last values.
            for r in records:
                state = self.carried.property(r)
                if state is not None and state.id not in states:
                    remember([(state.id, *(state.values[name] for name in names))])
        for query in _matching(columns, "address_key", {r.key for r in records}):
            remember(query)
        # APNs not already seen on the properties found by address (a second run finds none).
        by_state: dict[str, set[str]] = {}
        for r in records:
            if r.apn and (r.state, r.apn) not in self.by_apn:
                by_state.setdefault(r.state, set()).add(r.apn)
        for state, apns in by_state.items():
            # Written so the partial unique index on (state, apn) serves it.
            for query in _matching(columns.filter(state=state).exclude(apn=""), "apn", apns):
                remember(query)
        self.properties.extend(states.values())

    def _load_contacts(self, owners: list[OwnerRecord]) -> None:
        phones = {p for o in owners for p, _ in o.phones}
        emails = {o.email.lower() for o in owners if o.email}
        property_ids = [s.id for s in self.by_key.values()]
        main: dict[str, int] = {}
        listed: dict[str, int] = {}
        for query in _matching(Contact.objects.values_list("phone", "id"), "phone", phones):
            main.update(query)
        for query in _matching(ContactPhone.objects.values_list("phone", "contact_id"), "phone", phones):
            listed.update(query)
        by_email: list[tuple[str, int]] = []
        folded = Contact.objects.annotate(folded=Lower("email")).values_list("folded", "id")
        for query in _matching(folded, "folded", emails):
            by_email += query
        links: list[tuple[int, int]] = []
        for query in _matching(PropertyContact.objects.values_list("property_id", "contact_id"), "property_id",
                               property_ids):
            links += query
        carried = self.carried.contacts if self.carried is not None else {}
        if carried:
            self._overlay_contacts(phones, emails, set(property_ids), main, listed, by_email, links)

        wanted = set(main.values()) | set(listed.values()) | {c for _, c in by_email} | {c for _, c in links}
        states: dict[int, _ContactState] = {}
        names = _CONTACT_READ[1:]
        for id_ in wanted & carried.keys():
            states[id_] = _ContactState(carried[id_].values.copy(), id=id_)
            states[id_].tag_ids = set(carried[id_].tag_ids)
        for query in _matching(Contact.objects.values_list(*_CONTACT_READ), "id", sorted(wanted - carried.keys())):
            for id_, *values in query:
                states[id_] = _ContactState(dict(zip(names, values, strict=True)), id=id_)
        if self.tag_ids:
            tagged = Contact.tags.through.objects.filter(tag_id__in=list(self.tag_ids.values()))
            from_db = sorted(states.keys() - carried.keys())
            for query in _matching(tagged.values_list("contact_id", "tag_id"), "contact_id", from_db):
                for contact_id, tag_id in query:
                    states[contact_id].tag_ids.add(tag_id)

        self.contacts.extend(states.values())
        # (Rows deleted by someone else between these reads are simply not matched.)
        # A number listed for one person and main for another (inconsistent data) belongs to the main one.
        for phone, contact_id in listed.items():
            if contact_id in states:
                self.by_phone[phone] = states[contact_id]
            self.listed.add(phone)
        for phone, contact_id in main.items():
            if contact_id in states:
                self.by_phone[phone] = states[contact_id]
        for email, contact_id in sorted(by_email, key=lambda e: e[1]):
            if contact_id in states:
                self.by_email.setdefault(email, []).append(states[contact_id])
        by_id = {s.id: s for s in self.properties}
        for property_id, contact_id in links:
            prop, contact = by_id.get(property_id), states.get(contact_id)
            if prop is None or contact is None:
                continue
            self.links.add((prop, contact))
            if contact.name_key:
                self.at_property.setdefault((prop, contact.name_key), contact)

    def _overlay_contacts(self, phones, emails, property_ids, main, listed, by_email, links) -> None:
        """Add to what the database answered what the previous batch wrote or is writing."""
        carried = self.carried
        changed = carried.contacts
        for phone in phones:
            holder = carried.plan.by_phone.get(phone)
            if holder is not None and holder.id in changed and holder.values["phone"] == phone:
                main[phone] = holder.id
            if phone in carried.listed:
                listed[phone] = carried.listed[phone]
        known = set(by_email)
        for email in emails:
            by_email += [(email, c.id) for c in carried.plan.by_email.get(email, ())
                         if c.id in changed and (email, c.id) not in known]
        known = set(links)
        for property_id in property_ids:
            links += [(property_id, id_) for id_ in carried.links.get(property_id, ())
                      if (property_id, id_) not in known]

    # --- Applying rows in file order ------------------------------------------------------------
    def apply(self, row: ParsedRow, counts: Counts) -> str | None:
        """Apply one row; returns why it is refused (for the rejects file), or None."""
        if row.property is not None:
            conflict = self._apn_conflict(row.property)
            if conflict:
                return conflict
        counts.phones_unusable += row.unusable_phones
        prop = self._apply_property(row.property, counts) if row.property is not None else None
        primary = None
        for owner in row.owners:
            contact = self._apply_owner(owner, prop, primary, counts)
            if primary is None:
                primary = contact
        return None

    def _apn_conflict(self, record: PropertyRecord) -> str | None:
        """A row whose APN is unknown but whose address is a property with another APN is a different
        parcel at the same address (a unit missing from the address?) or a typo: taking it would make
        the two rows overwrite each other on every import, so it is refused with both numbers."""
        if not record.apn or (record.state, record.apn) in self.by_apn:
            return None
        state = self.by_key.get(record.key)
        if state is None or not state.values["apn"] or state.values["apn"] == record.apn:
            return None
        return (f"APN {record.apn} differs from APN {state.values['apn']} of the property already at this "
                "address (a different parcel: is the unit missing from the address?)")

    def _apply_property(self, record: PropertyRecord, counts: Counts) -> _PropertyState:
        state = self.by_apn.get((record.state, record.apn)) if record.apn else None
        if state is None:
            state = self.by_key.get(record.key)
        if state is None:
            values = _NEW_PROPERTY.copy()
            values["address"] = record.address
            values["city"] = record.city
            values["state"] = record.state
            values["zip_code"] = record.zip_code
            values["address_key"] = record.key
            values["apn"] = record.apn
            values.update(zip(PROPERTY_FACTS, record.facts, strict=True))  # the empty cells' values are the defaults
            state = _PropertyState(values, record.facts, new=True)  # its facts are the record's, as they are
            self.properties.append(state)
            self.by_key[record.key] = state
            if record.apn:
                self.by_apn[(record.state, record.apn)] = state
            counts.properties_created += 1
            return state
        values = state.values
        changed = False
        for field in ("city", "zip_code"):
            new = getattr(record, field)
            if new and not values[field]:
                values[field] = new
                changed = True
        if record.apn and not values["apn"] and (values["state"], record.apn) not in self.by_apn:
            values["apn"] = record.apn
            self.by_apn[(values["state"], record.apn)] = state
            changed = True
        if record.facts != state.facts:
            facts_changed = False
            for field, new in zip(PROPERTY_FACTS, record.facts, strict=True):
                if new is not None and new != "" and values[field] != new:  # an empty cell never clears a fact
                    values[field] = new
                    facts_changed = True
            if facts_changed:
                state.facts = tuple([values[name] for name in PROPERTY_FACTS])
                changed = True
        if changed:
            if not state.new:
                state.dirty = True
            counts.properties_updated += 1
        else:
            counts.properties_unchanged += 1
        return state

    def _apply_owner(
        self, owner: OwnerRecord, prop: _PropertyState | None, primary: _ContactState | None, counts: Counts
    ) -> _ContactState:
        contact = None
        for phone, _label in owner.phones:
            contact = self.by_phone.get(phone)
            if contact is not None:
                if contact is primary and not self._names_agree(contact, owner):
                    contact = None  # two people of one row sharing a number: the number stays with the first
                    continue
                break
        if contact is None and prop is not None and owner.name_key:
            contact = self.at_property.get((prop, owner.name_key))
        if contact is None and owner.email:
            for candidate in self.by_email.get(owner.email.lower(), ()):
                if self._names_agree(candidate, owner):
                    contact = candidate
                    break
        created = contact is None
        if created:
            contact = _ContactState(_NEW_CONTACT.copy(), new=True)
            self.contacts.append(contact)
        changed = self._merge_owner(contact, owner)
        if prop is not None:
            if (prop, contact) not in self.links:
                self.links.add((prop, contact))
                self.new_links.append((prop, contact, owner.role or OwnerRole.OTHER))
                counts.links_created += 1
                if not prop.new:
                    # Its owners are part of the house as the API shows it: its updated_at (and
                    # so its ETag and `updated_since`) must move, though no fact of its own did.
                    prop.dirty = True
            if contact.name_key:
                self.at_property.setdefault((prop, contact.name_key), contact)
        if created:
            counts.contacts_created += 1
        elif changed:
            if not contact.new:
                contact.dirty = True
            counts.contacts_updated += 1
        else:
            counts.contacts_unchanged += 1
        return contact

    @staticmethod
    def _names_agree(contact: _ContactState, owner: OwnerRecord) -> bool:
        stored = contact.name_key
        return not stored or not owner.name_key or stored == owner.name_key

    def _merge_owner(self, contact: _ContactState, owner: OwnerRecord) -> bool:
        values = contact.values
        changed = False
        if (owner.first_name and not values["first_name"]) or (owner.last_name and not values["last_name"]):
            if values["first_name"] or values["last_name"]:
                values["first_name"] = values["first_name"] or owner.first_name
                values["last_name"] = values["last_name"] or owner.last_name
                contact.name_key = name_key(values["first_name"], values["last_name"])
            else:  # a person without a name (a new one, mostly) takes the owner's name as it is
                values["first_name"], values["last_name"] = owner.first_name, owner.last_name
                contact.name_key = owner.name_key
            changed = True
        if owner.email and not values["email"]:
            values["email"] = owner.email
            self.by_email.setdefault(owner.email.lower(), []).append(contact)
            changed = True
        if owner.notes and not values["notes"]:
            values["notes"] = owner.notes
            changed = True
        by_phone = self.by_phone
        for phone, label in owner.phones:
            holder = by_phone.setdefault(phone, contact)
            if holder is not contact:
                continue  # someone else's number: it stays theirs
            if values["phone"] is None:
                values["phone"] = phone
                changed = True
            if phone not in self.listed:
                self.listed.add(phone)
                self.new_phones.append((contact, phone, label))
                changed = True
        if owner.mailing and not values["mailing_address"]:
            values.update(zip(_MAILING, owner.mailing, strict=True))
            changed = True
        if owner.tags or self.run_tag_id:
            tags = [self.tag_ids[t.casefold()] for t in owner.tags]
            if self.run_tag_id:
                tags.append(self.run_tag_id)
            for tag_id in tags:
                if tag_id not in contact.tag_ids:
                    contact.tag_ids.add(tag_id)
                    self.new_tags.append((contact, tag_id))
                    changed = True
        return changed

    # --- Storing the outcome --------------------------------------------------------------------
    def reserve_ids(self, reserve: Callable[[type, int], list[int]]) -> None:
        """Give the new rows their ids now (`reserve(model, count)`), before they are written."""
        new = [s for s in self.properties if s.new]
        for state, id_ in zip(new, reserve(Property, len(new)), strict=True):
            state.id = id_
        new_contacts = [c for c in self.contacts if c.new]
        for contact, id_ in zip(new_contacts, reserve(Contact, len(new_contacts)), strict=True):
            contact.id = id_

    def carry(self) -> Carried:
        """What the next batch must know of this one while this one is being written (after reserve_ids)."""
        return Carried(self)

    def write(self, writer: PortableWriter) -> None:
        """Store the plan; new rows keep the ids `reserve_ids` gave them, if it was called."""
        new = [s for s in self.properties if s.new]
        ids = writer.insert(Property, [s.values for s in new], ids=_given_ids(new))
        for state, id_ in zip(new, ids, strict=True):
            state.id = id_
        writer.update(
            Property, [{"id": s.id, **{f: s.values[f] for f in _PROPERTY_UPDATE}} for s in self.properties if s.dirty],
            _PROPERTY_UPDATE,
        )
        new_contacts = [c for c in self.contacts if c.new]
        rows = [{**c.values, "source": self.source} for c in new_contacts]
        ids = writer.insert(Contact, rows, ids=_given_ids(new_contacts))
        for contact, id_ in zip(new_contacts, ids, strict=True):
            contact.id = id_
        writer.update(
            Contact, [{"id": c.id, **{f: c.values[f] for f in _CONTACT_UPDATE}} for c in self.contacts if c.dirty],
            _CONTACT_UPDATE, groups=[_MAILING],
        )
        writer.append(ContactPhone, [
            {"contact_id": c.id, "phone": phone, "label": label} for c, phone, label in self.new_phones
        ])
        writer.append(PropertyContact, [
            {"property_id": p.id, "contact_id": c.id, "role": role} for p, c, role in self.new_links
        ])
        writer.append(Contact.tags.through, [{"contact_id": c.id, "tag_id": t} for c, t in self.new_tags])


def _given_ids(states) -> list[int] | None:
    return [s.id for s in states] if states and states[0].id is not None else None


def batch_lock() -> None:
    """Serialize import batches across processes (PostgreSQL); SQLite serializes writers itself.

    The batch's commit also skips waiting for the WAL flush: should PostgreSQL itself crash
    right after, the batch and the run's last committed line are lost together (they are one
    transaction) and --resume simply does that batch again.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('crm.properties.import'))")
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
