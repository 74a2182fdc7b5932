"""Schema migrations, recorded in the database (cf. sqlite-utils' migrations).

Each migration is applied once, in order, inside one transaction, and its
version is written to `schema_migrations`. Add new ones at the end; never edit
one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb

V1 = """
CREATE SEQUENCE load_seq START 1;
CREATE TABLE loads (
    load_id      INTEGER PRIMARY KEY,
    kind         VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    file_path    VARCHAR,
    file_hash    VARCHAR NOT NULL,
    sheet        VARCHAR,
    units        VARCHAR[],      -- the units the file held
    months       VARCHAR[],      -- YYYY-MM covered (ledgers) or the file date's month
    as_of        DATE NOT NULL,  -- the file's date (--as-of, 填表日期, or the load day)
    upload_month VARCHAR,        -- --month, if given
    rows         INTEGER NOT NULL,
    replaced     BOOLEAN NOT NULL DEFAULT FALSE,
    loaded_at    TIMESTAMP NOT NULL
);

CREATE TABLE units (
    unit           VARCHAR NOT NULL,
    parent         VARCHAR,
    staff          INTEGER,
    party_members  INTEGER,
    formal_members INTEGER,
    code           VARCHAR,
    load_id        INTEGER,
    src_row        INTEGER
);

-- uniqueness is kept by the loader (no index constraints: DuckDB checks them eagerly)
-- one row per team and valid_from date: the team as registered from that date
CREATE TABLE teams (
    unit          VARCHAR NOT NULL,
    team          VARCHAR NOT NULL,
    valid_from    DATE NOT NULL,
    short_name    VARCHAR,
    leader        VARCHAR,
    service_items VARCHAR,
    founded       DATE,
    declared_members INTEGER,
    has_flag BOOLEAN,
    has_charter BOOLEAN,
    has_logo BOOLEAN,
    has_plan BOOLEAN,
    has_groups BOOLEAN,
    has_star_rules BOOLEAN,
    has_online_register BOOLEAN,
    has_archive BOOLEAN,
    has_record_book BOOLEAN,
    has_qq_group BOOLEAN,
    load_id       INTEGER,
    src_row       INTEGER
);

CREATE SEQUENCE volunteer_seq START 1;
-- a volunteer's identity; what they are at any date lives in volunteer_versions
CREATE TABLE volunteers (
    vid     INTEGER NOT NULL,
    unit    VARCHAR NOT NULL,
    number  VARCHAR,
    name    VARCHAR NOT NULL,
    load_id INTEGER,
    src_row INTEGER
);

CREATE TABLE volunteer_versions (
    vid           INTEGER NOT NULL,
    valid_from    DATE NOT NULL,
    unit          VARCHAR NOT NULL,
    number        VARCHAR,
    name          VARCHAR NOT NULL,
    gender        VARCHAR,
    age           INTEGER,
    birth_month   DATE,
    education     VARCHAR,
    joined_party  DATE,
    ethnicity     VARCHAR,
    team          VARCHAR,
    service_items VARCHAR,
    phone         VARCHAR,
    id_number     VARCHAR,
    health        VARCHAR,
    skills        VARCHAR,
    email         VARCHAR,
    leadership    BOOLEAN,
    applied       DATE,
    approved      DATE,
    registered    DATE NOT NULL,
    status        VARCHAR NOT NULL,
    "left"        DATE,
    prior_hours   DOUBLE NOT NULL DEFAULT 0,
    load_id       INTEGER,
    src_row       INTEGER
);

CREATE SEQUENCE activity_seq START 1;
CREATE TABLE activities (
    aid         BIGINT NOT NULL,
    unit        VARCHAR NOT NULL,
    team        VARCHAR NOT NULL,
    date        DATE NOT NULL,
    title       VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    theme       VARCHAR,
    place       VARCHAR,
    beneficiary VARCHAR,
    content     VARCHAR,
    lead        VARCHAR,
    recorder    VARCHAR,
    note        VARCHAR,
    backfilled  BOOLEAN NOT NULL DEFAULT FALSE,
    load_id     INTEGER,
    src_row     INTEGER
);

CREATE TABLE participations (
    aid     BIGINT NOT NULL,
    vid     INTEGER NOT NULL,
    hours   DOUBLE NOT NULL,
    load_id INTEGER,
    src_row INTEGER
);

-- the current state of each demand; every status change is kept in demand_history
CREATE TABLE demands (
    unit      VARCHAR NOT NULL,
    demand_id VARCHAR NOT NULL,
    received  DATE NOT NULL,
    requester VARCHAR,
    phone     VARCHAR,
    content   VARCHAR NOT NULL,
    category  VARCHAR,
    team      VARCHAR,
    status    VARCHAR NOT NULL,
    closed    DATE,
    activity  VARCHAR,
    rating    VARCHAR,
    load_id   INTEGER,
    src_row   INTEGER
);

CREATE TABLE demand_history (
    unit       VARCHAR NOT NULL,
    demand_id  VARCHAR NOT NULL,
    status     VARCHAR NOT NULL,
    changed_on DATE NOT NULL,
    load_id    INTEGER
);

-- one row per pairing visit
CREATE TABLE pairing_visits (
    unit           VARCHAR NOT NULL,
    pair_id        VARCHAR NOT NULL,
    date           DATE NOT NULL,
    vid            INTEGER NOT NULL,
    recipient      VARCHAR NOT NULL,
    recipient_kind VARCHAR,
    content        VARCHAR,
    hours          DOUBLE,
    pair_status    VARCHAR,
    backfilled     BOOLEAN NOT NULL DEFAULT FALSE,
    load_id        INTEGER,
    src_row        INTEGER
);
"""

V2_INDEXES = """
CREATE INDEX activities_unit_date ON activities (unit, date);
CREATE INDEX participations_aid ON participations (aid);
CREATE INDEX pairing_unit_date ON pairing_visits (unit, date);
"""

# DuckDB's zone maps already serve the per-unit date-range scans; the ART indexes of
# version 2 only slowed bulk loads (a city's year: about a second of a 7 s load).
V3_DROP_INDEXES = """
DROP INDEX activities_unit_date;
DROP INDEX participations_aid;
DROP INDEX pairing_unit_date;
"""

# accounts of the web app (docs/web.md) and which account made each load: "命令行（OS user）"
# for the CLI, the login for the web app; loads made before version 4 have none.
V4_ACCOUNTS = """
CREATE TABLE accounts (
    login         VARCHAR NOT NULL,  -- unique: kept by tracker.store.accounts
    role          VARCHAR NOT NULL,  -- unit | supervisor | admin
    unit          VARCHAR,           -- the unit of a unit or supervisor account
    password_hash VARCHAR NOT NULL,  -- argon2id, never the password
    created_at    TIMESTAMP NOT NULL,
    changed_at    TIMESTAMP NOT NULL
);
CREATE TABLE web_settings (
    key   VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);
ALTER TABLE loads ADD COLUMN account VARCHAR;
"""

# the service-record certificates issued (docs/certificates.md): a serial is checked against this table
V5_CERTIFICATES = """
CREATE TABLE certificates (
    serial       VARCHAR NOT NULL,   -- ZYJL-2026-XXXX-XXXX-XXXX, random; unique (kept by the issuer)
    issued_on    DATE NOT NULL,
    issued_at    TIMESTAMP NOT NULL,
    vid          INTEGER NOT NULL,
    unit         VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    number       VARCHAR,
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    services     INTEGER NOT NULL,   -- service records listed
    total_hours  DOUBLE NOT NULL,    -- the total certified
    digest       VARCHAR NOT NULL,   -- sha256 of the records listed, to tell later whether they changed
    file_name    VARCHAR
);
"""

# 附件1 application forms (docs/data-model.md, "Applicants"): a person who applied is stored as
# soon as the form is loaded, with status 申请 and no 登记日期 until the review registers them;
# the form's own fields the roster had no column for are kept with every version.
V6_APPLICATIONS = """
ALTER TABLE volunteer_versions ALTER COLUMN registered DROP NOT NULL;
ALTER TABLE volunteer_versions ADD COLUMN political VARCHAR;   -- 政治面貌
ALTER TABLE volunteer_versions ADD COLUMN experience VARCHAR;  -- 志愿服务经历
ALTER TABLE volunteer_versions ADD COLUMN workplace VARCHAR;   -- 所在单位 as the form wrote it
"""

# Version 7: what a --replace deleted (so a file loaded again after its months were replaced is
# checked anew, not "unchanged"), and the backups `tracker backup` made (docs/data-model.md).
V7_REPLACED_AND_BACKUPS = """
CREATE TABLE replaced (
    load_id INTEGER NOT NULL,   -- the --replace load that deleted them
    month   VARCHAR NOT NULL,   -- YYYY-MM
    what    VARCHAR NOT NULL,   -- 活动, 参加记录, 需求, 结对走访
    rows    INTEGER NOT NULL
);
CREATE TABLE backups (
    taken_at TIMESTAMP NOT NULL,
    path     VARCHAR NOT NULL,  -- where the copy was written, as given
    bytes    BIGINT
);
"""

# Version 8 (docs/data-model.md, "Confirmed months and history"): a unit confirms a month of a
# ledger (locked thereafter: a change needs a reason, kept on its load); records a load deletes
# or overwrites are kept with the load that removed them (`orig_load_id`: the load that wrote
# them); activities keep their times of day when the file gave them, to find overlaps.
V8_CONFIRMED_AND_HISTORY = """
ALTER TABLE loads ADD COLUMN reason VARCHAR;        -- why a confirmed month was changed (--reason)
CREATE TABLE confirmations (
    unit         VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,   -- activities | demands | pairings
    month        VARCHAR NOT NULL,   -- YYYY-MM
    confirmed_at TIMESTAMP NOT NULL,
    account      VARCHAR             -- who: 命令行（OS user） or 网页（login）
);
CREATE TABLE removed_participations (
    load_id      INTEGER NOT NULL,   -- the load that removed it
    orig_load_id INTEGER,            -- the load that had written it
    unit VARCHAR NOT NULL, aid BIGINT, date DATE NOT NULL, team VARCHAR, title VARCHAR, kind VARCHAR,
    vid INTEGER NOT NULL, hours DOUBLE, src_row INTEGER
);
CREATE TABLE removed_visits (
    load_id INTEGER NOT NULL, orig_load_id INTEGER,
    unit VARCHAR NOT NULL, pair_id VARCHAR, date DATE NOT NULL, vid INTEGER NOT NULL, recipient VARCHAR,
    hours DOUBLE, src_row INTEGER
);
CREATE TABLE removed_demands (
    load_id INTEGER NOT NULL, orig_load_id INTEGER,
    unit VARCHAR NOT NULL, demand_id VARCHAR NOT NULL, received DATE, content VARCHAR, team VARCHAR,
    status VARCHAR, closed DATE, src_row INTEGER
);
ALTER TABLE activities ADD COLUMN starts TIME;  -- the activity's time of day, when the file gave it
ALTER TABLE activities ADD COLUMN ends TIME;
"""

# Version 9 (docs/signin.md): sign-ins at an activity. A sign-in is opened with an unguessable
# code; members sign in on their phones or a leader ticks them off the paper sheet; closing it
# loads one activity through the activities pipeline (`load_id`).
V9_SIGNINS = """
CREATE TABLE signins (
    code       VARCHAR NOT NULL,   -- unique, random (secrets): the phone page is /s/CODE
    unit       VARCHAR NOT NULL,
    team       VARCHAR NOT NULL,
    title      VARCHAR NOT NULL,
    date       DATE NOT NULL,
    starts     TIME NOT NULL,
    ends       TIME NOT NULL,
    place      VARCHAR,
    theme      VARCHAR,
    kind       VARCHAR NOT NULL,
    open_until TIMESTAMP NOT NULL, -- phones may sign in until then
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR,
    closed_at  TIMESTAMP,
    closed_by  VARCHAR,
    hours      DOUBLE,             -- each participant's hours, set when closed
    load_id    INTEGER             -- the load that closing made
);
CREATE TABLE signin_people (
    code      VARCHAR NOT NULL,
    vid       INTEGER NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    how       VARCHAR NOT NULL,    -- phone | sheet (ticked by a leader)
    ticked_by VARCHAR              -- who ticked them (sheet)
);
"""

# Version 10 (docs/web.md, "Accounts"): a password set by someone else (an account made for every
# unit, a reset) is one-time: the first login must change it.
V10_ONE_TIME_PASSWORDS = """
ALTER TABLE accounts ADD COLUMN must_change BOOLEAN DEFAULT FALSE;
"""

# Version 11 (docs/awards.md): the awards decided at year end, a person's or a team's.
V11_AWARDS = """
CREATE TABLE awards (
    year        INTEGER NOT NULL,
    award       VARCHAR NOT NULL,   -- the name of the award in the rules file
    unit        VARCHAR NOT NULL,
    vid         INTEGER,            -- a person's award; NULL for a team's
    team        VARCHAR,
    name        VARCHAR NOT NULL,   -- the person's or the team's name as recorded
    hours       DOUBLE,             -- their service hours of the year when recorded
    activities  INTEGER,
    recorded_at TIMESTAMP NOT NULL,
    account     VARCHAR
);
"""

MIGRATIONS: list[tuple[int, str, str | Callable[[duckdb.DuckDBPyConnection], None]]] = [
    (1, "ledgers: units, teams, volunteers, activities, demands, pairings", V1),
    (2, "indexes for per-unit date ranges", V2_INDEXES),
    (3, "drop the indexes: zone maps serve the scans, bulk loads go faster", V3_DROP_INDEXES),
    (4, "accounts of the web app; the account that made each load", V4_ACCOUNTS),
    (5, "certificates: the service-record certificates issued, by serial", V5_CERTIFICATES),
    (6, "applicants (附件1): 登记日期 may be empty, 政治面貌, 志愿服务经历, 所在单位", V6_APPLICATIONS),
    (7, "what --replace deleted; the backups made", V7_REPLACED_AND_BACKUPS),
    (8, "confirmed months, the records a load removed, activities' times of day", V8_CONFIRMED_AND_HISTORY),
    (9, "sign-ins at an activity and who signed in", V9_SIGNINS),
    (10, "one-time passwords: changed at the first login", V10_ONE_TIME_PASSWORDS),
    (11, "the awards decided at year end", V11_AWARDS),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN … COMMIT, or ROLLBACK on any failure, the failure raised as it was.

    A failed COMMIT (a full disk) has already ended the transaction: ROLLBACK's own
    "no transaction is active" must not hide the error the user needs to see."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise


def applied_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    v = con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0][0]
    return int(v or 0)


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Bring the schema forward; returns the versions applied now."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP DEFAULT current_timestamp)"
    )
    current = applied_version(con)
    done: list[int] = []
    for version, name, step in MIGRATIONS:
        if version <= current:
            continue
        with transaction(con):
            if callable(step):
                step(con)
            else:
                con.execute(step)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
        done.append(version)
    return done
