-- WhatsApp media downloaded by the enrichment job (issue 16). A message's media id is only a
-- reference: Meta keeps the file for a limited time, so intake fetches and keeps the bytes.
-- One enrichment per media id of a case: `item` names it ('' for look-ups of a whole case).
ALTER TABLE enrichments ADD COLUMN item text NOT NULL DEFAULT '';
ALTER TABLE enrichments DROP CONSTRAINT enrichments_pkey;
ALTER TABLE enrichments ADD PRIMARY KEY (complaint_id, lookup, item);

-- The bytes, once per content: a photo forwarded by many citizens is stored once.
CREATE TABLE media_blobs (
    sha256      text PRIMARY KEY,          -- hex, of the bytes as stored (checked on download)
    mime_type   text NOT NULL,
    size        bigint NOT NULL,
    content     bytea NOT NULL,
    stored_at   timestamptz NOT NULL DEFAULT now()
);
-- Photos and videos are compressed already: TOAST compression would only cost CPU.
ALTER TABLE media_blobs ALTER COLUMN content SET STORAGE EXTERNAL;

-- Which case holds which media: the access check (operator, or the holding agency) reads it.
CREATE TABLE case_media (
    complaint_id  text NOT NULL,
    sha256        text NOT NULL REFERENCES media_blobs (sha256),
    media_id      text NOT NULL,           -- the channel's id (a WhatsApp media id)
    kind          text NOT NULL,           -- image, video, audio, document
    stored_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (complaint_id, sha256)
);
