-- The media library: one row per recording or snapshot; its files are named after its id.
CREATE TABLE IF NOT EXISTS media (
    id          TEXT PRIMARY KEY,            -- 16 hex digits, made by the server
    kind        TEXT NOT NULL CHECK (kind IN ('recording', 'snapshot')),
    source      TEXT NOT NULL,
    created     REAL NOT NULL,               -- Unix time
    duration_s  REAL NOT NULL DEFAULT 0,
    frames      INTEGER NOT NULL DEFAULT 0,
    dropped     INTEGER NOT NULL DEFAULT 0,
    bytes       INTEGER NOT NULL DEFAULT 0,
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL CHECK (status IN ('recording', 'ok', 'truncated', 'broken')),
    message     TEXT NOT NULL DEFAULT '',    -- why it stopped, when not by Stop
    owner       TEXT NOT NULL DEFAULT '',    -- SHA-256 of its maker's owner key; '' if made without one
    private     INTEGER NOT NULL DEFAULT 0   -- 1: of a private camera, seen by its maker only
);
CREATE INDEX IF NOT EXISTS media_by_created ON media (created DESC);
CREATE INDEX IF NOT EXISTS media_by_source ON media (source, created DESC);
