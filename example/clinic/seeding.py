"""Deterministic synthetic data for the clinic, with the mess real data has.

Everything comes from one ``random.Random(seed)`` and a fixed base time, and
every row gets an explicit primary key, so the same ``scale`` and ``seed``
always produce the same rows. Rows are built as plain dicts and written
set-based, a batch per statement (``COPY`` on PostgreSQL, multi-row INSERTs
on MySQL, ``executemany`` on SQLite), which is several times faster than
``bulk_create`` at this size. At scale 1 the largest table (messages) has
100,000 rows.

The mess is deliberate, because it is what the refactorings must cope with:

* the same people appear in several of the four legacy people tables and in
  ``auth.User``, with emails that differ in case or surrounding spaces;
* some emails are NULL, and a few emails carry conflicting names;
* only some logins have a ``Profile``;
* servers repeat a few dozen short ``location_name`` strings;
* criteria are split across the two multi-table children (a few are neither);
* reviews point, through a generic foreign key, at all four legacy tables.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.text import slugify

from accounts.models import Profile
from alerts.models import Alert, ContributorCriteria, Criteria, MaintainerCriteria
from billing.models import BillingAddress, Invoice, InvoiceLine, Payment
from legacy.models import AccountUser, AppUser, CustomerUser, UserProfile
from messaging.models import Message, Thread
from reviews.models import Review
from scheduling.models import Appointment, CareProgramme, ClinicianShift, Enrollment, WaitlistEntry
from server.models import Server
from tenants.models import Tenant

#: "Now" for the generated data: all timestamps are placed relative to it.
BASE_TIME = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)

ThreadParticipant = Thread.participants.through

#: Every model the seed writes, parents before children (the summary follows this order).
SEEDED_MODELS: tuple[type[models.Model], ...] = (
    User,
    Profile,
    AppUser,
    CustomerUser,
    UserProfile,
    AccountUser,
    ClinicianShift,
    CareProgramme,
    Enrollment,
    Appointment,
    WaitlistEntry,
    BillingAddress,
    Invoice,
    InvoiceLine,
    Payment,
    Thread,
    ThreadParticipant,
    Message,
    Review,
    Tenant,
    Criteria,
    MaintainerCriteria,
    ContributorCriteria,
    Alert,
    Server,
)

Row = dict[str, Any]

#: Rows per table at ``--scale 1`` (plus the size of the pool of distinct people).
BASE_COUNTS: dict[str, int] = {
    "people": 30_000,
    "staff": 400,
    "patient_logins": 2_600,
    "app_users": 20_000,
    "customers": 15_000,
    "profiles": 6_000,
    "accounts": 8_000,
    "programmes": 40,
    "enrollments": 5_000,
    "appointments": 40_000,
    "waitlist": 2_000,
    "billing_addresses": 6_000,
    "invoices": 20_000,
    "threads": 10_000,
    "messages": 100_000,
    "reviews": 12_000,
    "tenants": 40,
    "criteria": 3_000,
    "alerts": 10_000,
    "servers": 30_000,
}

FIRST_NAMES = (
    "Anna", "Ben", "Carla", "David", "Elif", "Felix", "Greta", "Hassan", "Ines", "Jonas",
    "Katrin", "Lukas", "Maria", "Nils", "Olga", "Paul", "Quentin", "Rosa", "Stefan", "Tara",
    "Umut", "Vera", "Wiebke", "Xaver", "Yusuf", "Zoe", "Amelie", "Bruno", "Chiara", "Dennis",
    "Emma", "Finn", "Hanna", "Ivan", "Jana", "Karim", "Lea", "Mehmet", "Nora", "Oskar",
    "Pia", "Rafael", "Sofia", "Tim", "Ulla", "Viktor", "Wanda", "Yara", "Aylin", "Moritz",
)  # fmt: skip
LAST_NAMES = (
    "Schmidt", "Meyer", "Weber", "Wagner", "Becker", "Hoffmann", "Koch", "Richter", "Klein",
    "Wolf", "Neumann", "Schwarz", "Braun", "Zimmermann", "Kruger", "Hartmann", "Lange", "Werner",
    "Krause", "Lehmann", "Kaya", "Yilmaz", "Demir", "Nowak", "Kowalski", "Rossi", "Russo",
    "Garcia", "Martin", "Dubois", "Jansen", "de Vries", "Novak", "Horvat", "Popescu", "Ivanova",
    "Larsen", "Nielsen", "Berg", "Lindqvist", "Murphy", "Walsh", "Smith", "Brown", "Taylor",
    "Costa", "Silva", "Moreau", "Fischer", "Vogel", "Peters", "Jung", "Roth", "Sommer", "Frank",
)  # fmt: skip
DOMAINS = (
    "example.com", "example.org", "example.net", "mail.example", "post.example",
    "clinic-mail.example", "inbox.example",
)  # fmt: skip

LOCATION_NAMES = (
    "FLOOR-1", "FLOOR-2", "FLOOR-3", "FLOOR-4", "FLOOR-5", "FLOOR-6", "FLOOR-7", "FLOOR-8",
    "FLOOR-9", "BASEMENT-1", "BASEMENT-2", "ROOF", "DC-EAST-R01", "DC-EAST-R02", "DC-EAST-R03",
    "DC-EAST-R04", "DC-EAST-R05", "DC-EAST-R06", "DC-EAST-R07", "DC-EAST-R08", "DC-WEST-R01",
    "DC-WEST-R02", "DC-WEST-R03", "DC-WEST-R04", "DC-WEST-R05", "DC-WEST-R06", "DC-WEST-R07",
    "DC-WEST-R08", "LAB-A", "LAB-B", "LAB-C", "WARD-4", "WARD-5", "RECEPTION", "PHARMACY",
    "ANNEX-1",
)  # fmt: skip
# A long tail: the first few locations hold most machines, as real server rooms do.
LOCATION_WEIGHTS = tuple(1.0 / (rank + 1) for rank in range(len(LOCATION_NAMES)))

REASONS = (
    "Check-up", "Follow-up", "Blood test", "Vaccination", "Back pain", "Headache",
    "Prescription renewal", "Skin rash", "Flu symptoms", "Physiotherapy", "Allergy test", "",
)  # fmt: skip
PHRASES = (
    "Thank you for the quick reply.", "Can I move my appointment?", "The results are attached.",
    "Please call me back.", "Is the clinic open on Saturday?", "I still have the symptoms.",
    "Great service, very friendly staff.", "Waited too long in reception.",
    "Could you send the invoice again?", "My insurance number has changed.",
    "The doctor explained everything clearly.", "Parking was difficult.",
)  # fmt: skip
PROGRAMMES = (
    "Diabetes follow-up", "Cardiac rehab", "Prenatal care", "Smoking cessation", "Asthma plan",
    "Weight management", "Physio after surgery", "Sleep clinic", "Allergy desensitisation",
    "Hypertension check",
)  # fmt: skip
TENANT_WORDS = (
    "Northside", "Riverside", "Lakeside", "Hillcrest", "Parkview", "Meadow", "Harbour",
    "Old Town", "Westend", "Eastgate",
)  # fmt: skip
JOB_TITLES = ("General practitioner", "Nurse", "Physiotherapist", "Receptionist", "Pharmacist")
LANGUAGES = tuple(Profile.Language.values)
TIMEZONES = ("UTC", "Europe/Berlin", "Europe/London", "Europe/Istanbul", "America/New_York")


@dataclass(frozen=True)
class Person:
    """One human being; the tables each hold some of them, each in its own way."""

    first: str
    last: str
    email: str  # canonical: lower case, no blanks
    phone: str
    born: date

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"


def label(model: type[models.Model]) -> str:
    """``app_label.ModelName``, the way the summary and errors name a model."""
    return f"{model._meta.app_label}.{model._meta.object_name}"


def row_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows per seeded model, keyed by :func:`label`."""
    return {label(model): model._base_manager.using(using).count() for model in SEEDED_MODELS}


def referencing_tables(model_classes: Iterable[type[models.Model]]) -> list[str]:
    """The tables of ``model_classes`` plus every table holding a foreign key into them.

    PostgreSQL refuses to TRUNCATE a table that a table outside the statement
    references (``auth_user`` is referenced by ``django_admin_log``, for one).
    """
    wanted = set(model_classes)
    everything = apps.get_models(include_auto_created=True)
    changed = True
    while changed:
        changed = False
        for model in everything:
            if model not in wanted and any(
                field.is_relation and field.related_model in wanted
                for field in model._meta.concrete_fields
            ):
                wanted.add(model)
                changed = True
    return sorted({model._meta.db_table for model in wanted})


def column_adapter(
    field: models.Field[Any, Any], connection: BaseDatabaseWrapper
) -> Callable[[Any], Any] | None:
    """How a value for ``field`` is handed to the driver; ``None`` means as it is.

    These are the backend hooks the ORM itself ends in (UTC-naive datetimes on
    SQLite and MySQL, inet values on PostgreSQL), minus its per-value checks.
    """
    ops = connection.ops
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "TimeField":
        return ops.adapt_timefield_value
    if kind == "GenericIPAddressField":
        return ops.adapt_ipaddressfield_value
    if isinstance(field, models.DecimalField):
        digits, places = field.max_digits, field.decimal_places
        return lambda value: ops.adapt_decimalfield_value(value, digits, places)
    return None


def flush(using: str = DEFAULT_DB_ALIAS) -> None:
    """Delete every seeded row (and rows pointing at them) with the backend's flush SQL."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        # Rows inserted earlier in this transaction leave deferred foreign key
        # checks pending, and PostgreSQL refuses to TRUNCATE such tables; run them now.
        connection.check_constraints()
    # No sequence reset: on MySQL that means TRUNCATE, which commits any open transaction.
    statements = connection.ops.sql_flush(
        no_style(), referencing_tables(SEEDED_MODELS), reset_sequences=False
    )
    connection.ops.execute_sql_flush(statements)


class ClinicSeeder:
    """Generates one deterministic data set and writes it."""

    def __init__(
        self,
        scale: float = 1.0,
        seed: int = 1,
        *,
        batch_size: int = 2000,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale
        self.rng = random.Random(seed)
        self.batch_size = batch_size
        self.using = using

    # ------------------------------------------------------------------ helpers
    def count(self, key: str, minimum: int = 3) -> int:
        return max(minimum, round(BASE_COUNTS[key] * self.scale))

    def moment(self, days_back: float, days_forward: float = 0) -> datetime:
        """A whole-second instant between ``days_back`` before and ``days_forward`` after."""
        span = int((days_back + days_forward) * 86400)
        return BASE_TIME - timedelta(days=days_back) + timedelta(seconds=self.rng.randrange(span))

    def secret(self, prefix: str) -> str:
        """Something shaped like a password hash (never a usable one)."""
        return f"{prefix}${self.rng.getrandbits(96):024x}${self.rng.getrandbits(192):048x}"

    def maybe(self, probability: float) -> bool:
        return self.rng.random() < probability

    def write(self, model: type[models.Model], rows: Sequence[Row]) -> None:
        """INSERT ``rows`` into the model's own table, in batches.

        Every row must name every local column (by attname), because nothing
        fills in model defaults here. For a multi-table child only the child's
        own table is written; its parent rows are written separately.
        """
        if not rows:
            return
        connection = connections[self.using]
        by_attname = {field.attname: field for field in model._meta.local_concrete_fields}
        names = list(rows[0])
        if sorted(names) != sorted(by_attname):
            raise ValueError(
                f"{label(model)} rows have columns {sorted(names)}, expected {sorted(by_attname)}"
            )
        fields = [by_attname[name] for name in names]
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        column_list = ", ".join(quote(field.column or field.attname) for field in fields)
        pairs = [(name, column_adapter(by_attname[name], connection)) for name in names]
        values = [
            [row[name] if adapt is None else adapt(row[name]) for name, adapt in pairs]
            for row in rows
        ]
        with connection.cursor() as cursor:
            raw: Any = getattr(cursor, "cursor", None)
            if connection.vendor == "postgresql" and hasattr(raw, "copy"):
                # psycopg 3: COPY is by far the fastest way in; a large multi-row
                # INSERT spends most of its time parsing placeholders.
                with raw.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
                return
            insert = f"INSERT INTO {table} ({column_list}) VALUES "
            placeholders = "({})".format(", ".join(["%s"] * len(fields)))
            for start in range(0, len(values), self.batch_size):
                batch = values[start : start + self.batch_size]
                if connection.features.max_query_params is not None:
                    # SQLite caps parameters per statement; its executemany loops in C.
                    cursor.executemany(insert + placeholders, batch)
                else:
                    # One multi-row INSERT per batch: MySQL parses it once.
                    cursor.execute(
                        insert + ", ".join([placeholders] * len(batch)),
                        [value for row in batch for value in row],
                    )

    def email_variant(self, email: str) -> str:
        """The canonical email as some form or import happened to store it."""
        roll = self.rng.random()
        local, _, domain = email.partition("@")
        if roll < 0.60:
            return email
        if roll < 0.75:
            return f"{local.title()}@{domain}"
        if roll < 0.82:
            return f"{local}@{domain.upper()}"
        if roll < 0.88:
            return email.upper()
        if roll < 0.94:
            return f"{email} "
        return f"  {local.title()}@{domain}"

    # ------------------------------------------------------------------ the run
    def run(self) -> dict[str, int]:
        """Write the whole data set in one transaction; returns rows per model."""
        connection = connections[self.using]
        with transaction.atomic(using=self.using):
            if connection.vendor == "mysql":
                # MySQL checks foreign keys row by row as they arrive; the rows are
                # consistent by construction, so skip that as bulk loads (and dumps) do.
                with connection.cursor() as cursor:
                    cursor.execute("SET SESSION foreign_key_checks = 0")
            try:
                self.seed_all()
                self.reset_sequences()
            finally:
                if connection.vendor == "mysql":
                    with connection.cursor() as cursor:
                        cursor.execute("SET SESSION foreign_key_checks = 1")
        return row_counts(self.using)

    def reset_sequences(self) -> None:
        """Move id sequences past the explicit primary keys (PostgreSQL needs this)."""
        connection = connections[self.using]
        statements = connection.ops.sequence_reset_sql(no_style(), list(SEEDED_MODELS))
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

    def seed_all(self) -> None:
        people = self.make_people()
        # The first few people are in every people table, so duplicates exist at any scale.
        showcase = people[: min(5, len(people) // 10)]
        clinicians = self.seed_auth_users(people, showcase)
        patients = self.seed_app_users(people, showcase)
        customers = self.seed_customers(people, showcase)
        profiles = self.seed_user_profiles(people, showcase)
        accounts = self.seed_account_users(people, showcase)
        self.seed_scheduling(clinicians, patients)
        self.seed_billing(accounts)
        self.seed_messaging(customers, patients)
        self.seed_reviews(patients, customers, profiles, accounts)
        self.seed_alerts()
        self.seed_servers()

    # ------------------------------------------------------------------ people
    def make_people(self) -> list[Person]:
        people: list[Person] = []
        taken: set[str] = set()
        for _ in range(self.count("people", 60)):
            first = self.rng.choice(FIRST_NAMES)
            last = self.rng.choice(LAST_NAMES)
            slug_last = last.lower().replace(" ", "")
            style = self.rng.randrange(3)
            if style == 0:
                local = f"{first.lower()}.{slug_last}"
            elif style == 1:
                local = f"{first[0].lower()}{slug_last}"
            else:
                local = f"{first.lower()}{slug_last}{self.rng.randrange(10, 99)}"
            domain = self.rng.choice(DOMAINS)
            email, suffix = f"{local}@{domain}", 2
            while email in taken:
                email, suffix = f"{local}{suffix}@{domain}", suffix + 1
            taken.add(email)
            phone = f"+49 {self.rng.randrange(150, 179)} {self.rng.randrange(1_000_000, 9_999_999)}"
            born = date(1940, 1, 1) + timedelta(days=self.rng.randrange(365 * 65))
            people.append(Person(first, last, email, phone, born))
        return people

    def pick_people(
        self, people: list[Person], how_many: int, showcase: list[Person]
    ) -> list[Person]:
        """A shuffled sample of ``how_many`` people that always includes ``showcase``."""
        how_many = max(len(showcase) + 1, min(how_many, len(people)))
        rest = people[len(showcase) :]
        chosen = showcase + self.rng.sample(rest, how_many - len(showcase))
        self.rng.shuffle(chosen)
        return chosen

    # ------------------------------------------------------------------ auth + accounts
    def seed_auth_users(self, people: list[Person], showcase: list[Person]) -> list[int]:
        """Staff logins (the first ids, most of them clinicians) and patients with a login.

        Returns the clinicians' ids.
        """
        staff_count = self.count("staff", 6)
        total = staff_count + self.count("patient_logins", 6)
        users: list[Row] = []
        profiles: list[Row] = []
        usernames: set[str] = set()
        clinician_count = max(3, staff_count * 3 // 4)
        for pk, person in enumerate(self.pick_people(people, total, showcase), start=1):
            username = base = person.email.partition("@")[0]
            suffix = 2
            while username in usernames:
                username, suffix = f"{base}{suffix}", suffix + 1
            usernames.add(username)
            users.append(
                {
                    "id": pk,
                    "username": username,
                    "password": self.secret("pbkdf2_sha256$870000"),
                    "first_name": person.first,
                    "last_name": person.last,
                    # Showcase people get a trailing blank here; other tables differ otherwise.
                    "email": f"{person.email} "
                    if person in showcase
                    else self.email_variant(person.email),
                    "is_staff": pk <= staff_count,
                    "is_superuser": pk == 1,
                    "is_active": not self.maybe(0.03),
                    "date_joined": self.moment(6 * 365),
                    "last_login": None if self.maybe(0.2) else self.moment(90),
                }
            )
            # Only about two in three logins ever opened the profile page.
            if self.maybe(0.32):
                continue
            job_title = ""
            if pk <= clinician_count:
                job_title = self.rng.choice(JOB_TITLES[:3])
            elif pk <= staff_count:
                job_title = self.rng.choice(JOB_TITLES[3:])
            profiles.append(
                {
                    "id": len(profiles) + 1,
                    "user_id": pk,
                    "phone": person.phone if self.maybe(0.8) else "",
                    "date_of_birth": person.born if self.maybe(0.7) else None,
                    "bio": self.rng.choice(PHRASES) if self.maybe(0.3) else "",
                    "preferred_language": self.rng.choice(LANGUAGES),
                    "job_title": job_title,
                    "receives_newsletter": self.maybe(0.4),
                    "updated_at": self.moment(365),
                }
            )
        self.write(User, users)
        self.write(Profile, profiles)
        return list(range(1, clinician_count + 1))

    # ------------------------------------------------------------------ legacy people
    def seed_app_users(self, people: list[Person], showcase: list[Person]) -> list[int]:
        rows: list[Row] = []
        chosen = self.pick_people(people, self.count("app_users", 20), showcase)
        for pk, person in enumerate(chosen, start=1):
            email: str | None = person.email
            if person not in showcase:
                # A few signed up with a phone number only.
                email = None if self.maybe(0.03) else self.email_variant(person.email)
            rows.append(
                {
                    "id": pk,
                    "email": email,
                    "username": person.email.partition("@")[0],
                    "password": self.secret("bcrypt_sha256$$2b$12"),
                    "phone": person.phone if email is None or self.maybe(0.6) else "",
                    "is_active": not self.maybe(0.05),
                    "last_login_at": None if self.maybe(0.25) else self.moment(120),
                    "created_at": self.moment(5 * 365),
                }
            )
        self.write(AppUser, rows)
        return [row["id"] for row in rows]

    def seed_customers(self, people: list[Person], showcase: list[Person]) -> list[int]:
        rows: list[Row] = []
        chosen = self.pick_people(people, self.count("customers", 15), showcase)
        for pk, person in enumerate(chosen, start=1):
            email: str | None = person.email.title()
            full_name = person.full_name
            if person not in showcase:
                email = None if self.maybe(0.02) else self.email_variant(person.email)
            # A shared family mailbox: the same email under somebody else's name.
            if person is showcase[0] or (person not in showcase and self.maybe(0.01)):
                other = self.rng.choice([name for name in FIRST_NAMES if name != person.first])
                full_name = f"{other} {person.last}"
            rows.append(
                {
                    "id": pk,
                    "email_address": email,
                    "full_name": full_name,
                    "password_hash": self.secret("argon2$argon2id$v=19"),
                    "phone": person.phone if self.maybe(0.5) else "",
                    "date_of_birth": person.born if self.maybe(0.4) else None,
                    "marketing_opt_in": self.maybe(0.3),
                    "registration_date": self.moment(4 * 365),
                }
            )
        self.write(CustomerUser, rows)
        return [row["id"] for row in rows]

    def seed_user_profiles(self, people: list[Person], showcase: list[Person]) -> list[int]:
        rows: list[Row] = []
        chosen = self.pick_people(people, self.count("profiles", 10), showcase)
        for pk, person in enumerate(chosen, start=1):
            email: str | None = f" {person.email} "
            if person not in showcase:
                email = None if self.maybe(0.05) else self.email_variant(person.email)
            style = self.rng.random()
            if style < 0.5:
                display = person.full_name
            elif style < 0.85:
                display = f"{person.first} {person.last[0]}."
            else:
                display = f"{person.first.lower()}{self.rng.randrange(1, 999)}"
            rows.append(
                {
                    "id": pk,
                    "user_email": email,
                    "display_name": display,
                    "bio": self.rng.choice(PHRASES) if self.maybe(0.35) else "",
                    "avatar_url": f"https://cdn.example.com/avatars/{pk}.png"
                    if self.maybe(0.5)
                    else "",
                    "timezone": self.rng.choice(TIMEZONES),
                    "updated_at": self.moment(2 * 365),
                }
            )
        self.write(UserProfile, rows)
        return [row["id"] for row in rows]

    def seed_account_users(self, people: list[Person], showcase: list[Person]) -> list[int]:
        statuses = AccountUser.SubscriptionStatus.values
        rows: list[Row] = []
        chosen = self.pick_people(people, self.count("accounts", 10), showcase)
        for pk, person in enumerate(chosen, start=1):
            local, _, domain = person.email.partition("@")
            email = f"{local}@{domain.upper()}"
            if person not in showcase:
                email = self.email_variant(person.email)
            style = self.rng.random()
            if style < 0.7:
                name = person.full_name
            elif style < 0.95:
                name = f"{person.last}, {person.first}"
            else:
                name = f"{self.rng.choice(FIRST_NAMES)} {person.last}"  # another holder
            status = self.rng.choices(statuses, weights=(50, 10, 20, 15, 5))[0]
            renews = None
            if status in ("trial", "basic", "premium"):
                renews = (BASE_TIME + timedelta(days=self.rng.randrange(1, 365))).date()
            rows.append(
                {
                    "id": pk,
                    "account_email": email,
                    "account_name": name,
                    "encrypted_password": self.secret("pbkdf2_sha256$260000"),
                    "phone": person.phone if self.maybe(0.3) else "",
                    "stripe_customer_id": ""
                    if status == "free"
                    else f"cus_{self.rng.getrandbits(56):014X}",
                    "subscription_status": status,
                    "plan_renews_on": renews,
                    "is_active": status != "cancelled",
                    "signup_timestamp": self.moment(3 * 365),
                }
            )
        self.write(AccountUser, rows)
        return [row["id"] for row in rows]

    # ------------------------------------------------------------------ scheduling
    def seed_scheduling(self, clinicians: list[int], patients: list[int]) -> None:
        shifts: list[Row] = []
        for clinician in clinicians:
            for weekday in sorted(self.rng.sample(range(6), self.rng.randrange(3, 6))):
                start_hour = self.rng.choice((7, 8, 9, 13))
                shifts.append(
                    {
                        "id": len(shifts) + 1,
                        "clinician_id": clinician,
                        "weekday": weekday,
                        "starts_at": time(start_hour),
                        "ends_at": time(start_hour + self.rng.choice((4, 6, 8))),
                    }
                )
        self.write(ClinicianShift, shifts)

        programme_count = self.count("programmes")
        self.write(
            CareProgramme,
            [
                {
                    "id": pk,
                    "name": f"{PROGRAMMES[(pk - 1) % len(PROGRAMMES)]} "
                    f"{(pk - 1) // len(PROGRAMMES) + 1}",
                    "lead_id": self.rng.choice(clinicians) if self.maybe(0.8) else None,
                }
                for pk in range(1, programme_count + 1)
            ],
        )
        enrollments: list[Row] = []
        per_programme = min(len(patients), max(1, self.count("enrollments") // programme_count))
        for programme in range(1, programme_count + 1):
            for patient in self.rng.sample(patients, per_programme):
                enrollments.append(
                    {
                        "id": len(enrollments) + 1,
                        "programme_id": programme,
                        "patient_id": patient,
                        "enrolled_on": self.moment(700).date(),
                        "status": self.rng.choice(
                            ("active", "active", "active", "completed", "left")
                        ),
                    }
                )
        self.write(Enrollment, enrollments)

        appointments: list[Row] = []
        for pk in range(1, self.count("appointments") + 1):
            starts = self.moment(2 * 365, 60).replace(
                minute=self.rng.choice((0, 15, 30, 45)), second=0
            )
            if starts > BASE_TIME:
                status = self.rng.choice(("booked", "booked", "confirmed"))
            else:
                status = self.rng.choices(
                    ("completed", "cancelled", "no_show"), weights=(80, 12, 8)
                )[0]
            cancelled_at = None
            if status == "cancelled":
                cancelled_at = starts - timedelta(hours=self.rng.randrange(1, 72))
            appointments.append(
                {
                    "id": pk,
                    "patient_id": self.rng.choice(patients),
                    "clinician_id": self.rng.choice(clinicians),
                    "starts_at": starts,
                    "duration_minutes": self.rng.choice((15, 20, 30, 30, 45, 60)),
                    "status": status,
                    "reason": self.rng.choice(REASONS),
                    "notes": self.rng.choice(PHRASES) if self.maybe(0.1) else "",
                    "cancelled_at": cancelled_at,
                    "created_at": starts - timedelta(minutes=self.rng.randrange(60, 86400)),
                }
            )
        self.write(Appointment, appointments)

        self.write(
            WaitlistEntry,
            [
                {
                    "id": pk,
                    "patient_id": self.rng.choice(patients),
                    "clinician_id": self.rng.choice(clinicians) if self.maybe(0.5) else None,
                    "requested_at": self.moment(60),
                    "priority": self.rng.choice((1, 2, 3, 3, 3, 4, 5)),
                    "note": self.rng.choice(REASONS),
                }
                for pk in range(1, self.count("waitlist") + 1)
            ],
        )

    # ------------------------------------------------------------------ billing
    def seed_billing(self, accounts: list[int]) -> None:
        with_address = self.rng.sample(
            accounts, min(self.count("billing_addresses"), len(accounts))
        )
        self.write(
            BillingAddress,
            [
                {
                    "id": pk,
                    "account_id": account,
                    "line1": f"{self.rng.choice(LAST_NAMES)}str. {self.rng.randrange(1, 200)}",
                    "line2": f"Apt {self.rng.randrange(1, 40)}" if self.maybe(0.15) else "",
                    "city": self.rng.choice(("Berlin", "Hamburg", "Munich", "Cologne", "Leipzig")),
                    "postcode": str(self.rng.randrange(10000, 99999)),
                    "country": self.rng.choices(("DE", "AT", "CH", "NL"), weights=(85, 6, 5, 4))[0],
                }
                for pk, account in enumerate(with_address, start=1)
            ],
        )

        invoices: list[Row] = []
        lines: list[Row] = []
        payments: list[Row] = []
        for pk in range(1, self.count("invoices") + 1):
            issued = self.moment(3 * 365).date()
            status = self.rng.choices(Invoice.Status.values, weights=(5, 20, 68, 4, 3))[0]
            total = Decimal(0)
            for _ in range(self.rng.choice((1, 1, 2, 2, 3, 4, 5))):
                quantity = self.rng.choice((1, 1, 1, 2, 3))
                unit_price = Decimal(self.rng.randrange(1500, 25000)).scaleb(-2)
                total += quantity * unit_price
                lines.append(
                    {
                        "id": len(lines) + 1,
                        "invoice_id": pk,
                        "description": self.rng.choice(REASONS) or "Consultation",
                        "quantity": quantity,
                        "unit_price": unit_price,
                    }
                )
            paid_at = None
            if status == "paid":
                paid_at = datetime.combine(issued, time(12), tzinfo=UTC) + timedelta(
                    days=self.rng.randrange(0, 40)
                )
                payments.append(
                    {
                        "id": len(payments) + 1,
                        "invoice_id": pk,
                        "amount": total,
                        "received_at": paid_at,
                        "method": self.rng.choice(Payment.Method.values),
                    }
                )
            invoices.append(
                {
                    "id": pk,
                    "account_id": self.rng.choice(accounts),
                    "number": f"INV-{issued.year}-{pk:06d}",
                    "issued_on": issued,
                    # Older invoices predate the due date column.
                    "due_on": issued + timedelta(days=30) if self.maybe(0.9) else None,
                    "currency": self.rng.choices(("EUR", "CHF", "GBP"), weights=(92, 5, 3))[0],
                    "status": status,
                    "total_amount": total,
                    "paid_at": paid_at,
                }
            )
        self.write(Invoice, invoices)
        self.write(InvoiceLine, lines)
        self.write(Payment, payments)

    # ------------------------------------------------------------------ messaging
    def seed_messaging(self, customers: list[int], patients: list[int]) -> None:
        thread_count = self.count("threads")
        threads: list[Row] = []
        members: list[list[int]] = []
        links: list[Row] = []
        for pk in range(1, thread_count + 1):
            chosen = self.rng.sample(customers, min(len(customers), self.rng.choice((2, 2, 2, 3))))
            members.append(chosen)
            threads.append(
                {
                    "id": pk,
                    "subject": self.rng.choice(REASONS) or "Question",
                    "created_at": self.moment(3 * 365),
                    "is_archived": self.maybe(0.2),
                    "last_message_at": None,
                }
            )
            links += [
                {"id": len(links) + n, "thread_id": pk, "customeruser_id": customer}
                for n, customer in enumerate(chosen, start=1)
            ]

        messages: list[Row] = []
        channels = Message.Channel.values
        for pk in range(1, self.count("messages") + 1):
            sent = self.moment(3 * 365)
            thread_id: int | None = None
            sender_id = self.rng.choice(customers)
            # One in five messages is from before threads existed and has none.
            if self.maybe(0.8):
                thread_id = self.rng.randrange(1, thread_count + 1)
                sender_id = self.rng.choice(members[thread_id - 1])
                thread = threads[thread_id - 1]
                if thread["last_message_at"] is None or sent > thread["last_message_at"]:
                    thread["last_message_at"] = sent
            messages.append(
                {
                    "id": pk,
                    "thread_id": thread_id,
                    "sender_id": sender_id,
                    "recipient_id": self.rng.choice(patients) if self.maybe(0.6) else None,
                    "body": self.rng.choice(PHRASES),
                    "channel": self.rng.choices(channels, weights=(80, 15, 5))[0],
                    "sent_at": sent,
                    "read_at": sent + timedelta(minutes=self.rng.randrange(1, 5000))
                    if self.maybe(0.7)
                    else None,
                    "is_flagged": self.maybe(0.01),
                }
            )
        self.write(Thread, threads)
        self.write(ThreadParticipant, links)
        self.write(Message, messages)

    # ------------------------------------------------------------------ reviews
    def seed_reviews(
        self,
        patients: list[int],
        customers: list[int],
        profiles: list[int],
        accounts: list[int],
    ) -> None:
        types = ContentType.objects.db_manager(self.using).get_for_models(
            AppUser, CustomerUser, UserProfile, AccountUser
        )
        targets = [
            (types[AppUser].pk, patients),
            (types[CustomerUser].pk, customers),
            (types[UserProfile].pk, profiles),
            (types[AccountUser].pk, accounts),
        ]
        reviews: list[Row] = []
        for pk in range(1, self.count("reviews") + 1):
            content_type_id, ids = self.rng.choices(targets, weights=(45, 25, 15, 15))[0]
            reviews.append(
                {
                    "id": pk,
                    "content_type_id": content_type_id,
                    "object_id": self.rng.choice(ids),
                    "author_id": self.rng.choice(profiles),
                    "rating": self.rng.choices((1, 2, 3, 4, 5), weights=(5, 7, 15, 33, 40))[0],
                    "title": "" if self.maybe(0.4) else self.rng.choice(PHRASES),
                    "body": self.rng.choice(PHRASES),
                    "is_published": self.maybe(0.93),
                    "created_at": self.moment(2 * 365),
                }
            )
        self.write(Review, reviews)

    # ------------------------------------------------------------------ tenants + alerts
    def seed_alerts(self) -> None:
        tenant_count = self.count("tenants")
        self.write(
            Tenant,
            [
                {
                    "id": pk,
                    "name": f"{TENANT_WORDS[(pk - 1) % len(TENANT_WORDS)]} Health {pk}",
                    "slug": f"{slugify(TENANT_WORDS[(pk - 1) % len(TENANT_WORDS)])}-health-{pk}",
                    "created_at": self.moment(4 * 365),
                    "is_active": not self.maybe(0.1),
                }
                for pk in range(1, tenant_count + 1)
            ],
        )

        parents: list[Row] = []
        maintainers: list[Row] = []
        contributors: list[Row] = []
        for pk in range(1, self.count("criteria", 10) + 1):
            roll = self.rng.random()
            kind = "maintainer" if roll < 0.54 else "contributor" if roll < 0.98 else "plain"
            parents.append(
                {
                    "id": pk,
                    "tenant_id": self.rng.randrange(1, tenant_count + 1),
                    "enabled": self.maybe(0.85),
                    # Rows from before the name column have none.
                    "name": "" if self.maybe(0.05) else f"{kind} rule {pk}",
                    "description": self.rng.choice(PHRASES) if self.maybe(0.2) else "",
                    "created_at": self.moment(3 * 365),
                }
            )
            low = self.rng.randrange(0, 50)
            if kind == "maintainer":
                maintainers.append(
                    {
                        "criteria_id": pk,
                        "reviews_greater_than": low,
                        "reviews_less_than": None
                        if self.maybe(0.2)
                        else low + self.rng.randrange(5, 100),
                    }
                )
            elif kind == "contributor":
                contributors.append(
                    {
                        "criteria_ptr_id": pk,
                        "commits_greater_than": low,
                        "commits_less_than": low + self.rng.randrange(5, 500),
                        "window_days": self.rng.choice((7, 14, 30, 30, 90)),
                    }
                )
        # bulk_create refuses multi-table children; writing the tables directly works.
        self.write(Criteria, parents)
        self.write(MaintainerCriteria, maintainers)
        self.write(ContributorCriteria, contributors)

        severities = Alert.Severity.values
        self.write(
            Alert,
            [
                {
                    "id": pk,
                    "criteria_id": self.rng.randrange(1, len(parents) + 1),
                    "triggered_at": self.moment(365),
                    "message": self.rng.choice(PHRASES),
                    "severity": self.rng.choices(severities, weights=(70, 25, 5))[0],
                    "acknowledged": self.maybe(0.6),
                }
                for pk in range(1, self.count("alerts") + 1)
            ],
        )

    # ------------------------------------------------------------------ servers
    def seed_servers(self) -> None:
        systems = Server.OperatingSystem.values
        servers: list[Row] = []
        for pk in range(1, self.count("servers") + 1):
            commissioned = None
            if not self.maybe(0.1):
                commissioned = (BASE_TIME - timedelta(days=self.rng.randrange(3650))).date()
            servers.append(
                {
                    "id": pk,
                    "hostname": f"srv-{pk:05d}.clinic.internal",
                    "location_name": self.rng.choices(LOCATION_NAMES, LOCATION_WEIGHTS)[0],
                    "rack": "" if self.maybe(0.3) else f"R{self.rng.randrange(1, 40):02d}",
                    "ip_address": None
                    if self.maybe(0.05)
                    else f"10.{pk // 65536}.{pk // 256 % 256}.{pk % 256}",
                    "is_active": not self.maybe(0.08),
                    "os": self.rng.choices(systems, weights=(80, 15, 3, 2))[0],
                    "commissioned_on": commissioned,
                    "notes": "",
                }
            )
        self.write(Server, servers)
