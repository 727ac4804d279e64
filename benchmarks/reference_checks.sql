-- Reference checks for benchmarks/bench_rules.py: the consent-as-of, opt-out-after-keyword,
-- quiet-hours, frequency-cap and service-window checks of the default packs, written as DuckDB SQL
-- over the same canonical tables. The benchmark times each `-- name:` section (each creates the
-- table it names) and compares the rows flagged with the engine's findings.
--
-- Tables the benchmark loads: messages, contacts, consent, optouts (the canonical tables), and the
-- reference data the engine reads from rules/reference/ or phonenumbers:
--   numbers(phone, valid, region, number_type, time_zones)  phone facts per distinct number
--   optout_keywords(keyword), resume_keywords(keyword)      normalised, every language
--   fr_holidays(day)                                        French public holidays, 2023-2026
--
-- Conventions that mirror the engine (src/msgaudit/rules/checks/*.py):
--   * a person is their E.164 number, else 'name:' || the author name;
--   * text keys are lower(trim(x)), missing as '';
--   * as-of ties: an event in the same second as the message counts as before it, and of two
--     events in the same second the withdrawal wins: ASOF keys are epoch_ns * 2 + (withdrawal),
--     probed with epoch_ns * 2 + 1.

-- name: deliveries
-- One row per outbound message and recipient; a group send reaches everyone who wrote in the group.
CREATE OR REPLACE TABLE deliveries AS
WITH outbound AS (
    SELECT *, coalesce(conversation_type = 'group' AND counterpart IS NULL AND counterpart_name IS NULL, false) AS to_group
    FROM messages
    WHERE direction = 'outbound'
), members AS (
    SELECT DISTINCT conversation_id, coalesce(counterpart, 'name:' || counterpart_name) AS contact
    FROM messages
    WHERE direction = 'inbound' AND conversation_id IS NOT NULL AND kind IS DISTINCT FROM 'system'
      AND (counterpart IS NOT NULL OR counterpart_name IS NOT NULL)
), sends AS (
    SELECT message_id, "timestamp", channel, category, is_template, kind,
           coalesce(counterpart, 'name:' || counterpart_name) AS contact
    FROM outbound WHERE NOT to_group
    UNION ALL
    SELECT o.message_id, o."timestamp", o.channel, o.category, o.is_template, o.kind, m.contact
    FROM outbound o JOIN members m USING (conversation_id)
    WHERE o.to_group
), people AS (
    SELECT phone, any_value(time_zone) AS time_zone FROM contacts WHERE phone IS NOT NULL GROUP BY phone
)
SELECT row_number() OVER (ORDER BY s."timestamp", s.message_id, s.contact) AS d_id, s.*,
       n.region, n.time_zones AS zones,
       CASE WHEN p.time_zone IN (SELECT name FROM pg_timezone_names()) THEN p.time_zone END AS declared_zone
FROM sends s
LEFT JOIN numbers n ON n.phone = s.contact
LEFT JOIN people p ON p.phone = s.contact;

-- name: consent_asof
-- CONSENT-001/002/003: the marketing consent each marketing delivery met (purpose marketing or a
-- wildcard; the delivery's channel or a wildcard): withdrawn, granted, else not_yet (a grant comes
-- later) or missing. Kept for every marketing delivery: quiet_fr reads the granted ones.
CREATE OR REPLACE TABLE consent_asof AS
WITH wanted AS (
    SELECT d_id, contact, lower(trim(coalesce(channel, ''))) AS chan, epoch_ns("timestamp") * 2 + 1 AS probe
    FROM deliveries
    WHERE category = 'marketing'
), chans AS (
    SELECT DISTINCT chan FROM wanted
), events AS (
    SELECT e.phone AS contact, c.chan, lower(trim(e.status)) AS status, e."timestamp" AS event_at, e.evidence, e.source,
           epoch_ns(e."timestamp") * 2 + (lower(trim(e.status)) = 'withdrawn')::INT AS k
    FROM consent e
    JOIN chans c ON lower(trim(e.channel)) IN ('any', 'all') OR (c.chan <> '' AND c.chan = lower(trim(e.channel)))
    WHERE lower(trim(e.purpose)) IN ('marketing', 'any', 'all') AND coalesce(trim(e.phone), '') <> ''
), back AS (
    SELECT w.*, e.status, e.event_at, e.evidence, e.source AS consent_source
    FROM wanted w ASOF LEFT JOIN events e ON w.contact = e.contact AND w.chan = e.chan AND w.probe >= e.k
), later AS (
    SELECT b.*, g.event_at AS later_grant
    FROM back b ASOF LEFT JOIN (SELECT contact, chan, k, event_at FROM events WHERE status = 'granted') g
      ON b.contact = g.contact AND b.chan = g.chan AND b.probe < g.k
)
SELECT d_id, contact, chan,
       CASE WHEN status = 'withdrawn' THEN 'withdrawn' WHEN status = 'granted' THEN 'granted'
            WHEN later_grant IS NOT NULL THEN 'not_yet' ELSE 'missing' END AS outcome,
       coalesce(event_at, later_grant) AS consent_at, evidence, consent_source
FROM later;

-- name: optout_keyword
-- OPTOUT-001: deliveries (not authentication, not system) sent while the person's latest inbound
-- opt-out keyword is in force. It ends with a later resume keyword, or a grant of any purpose
-- (each purpose its own timeline) dated after it and in force at the send; the first delivery
-- within 5 minutes of the keyword is a confirmation.
CREATE OR REPLACE TABLE optout_keyword AS
WITH inbound AS (
    SELECT coalesce(counterpart, 'name:' || counterpart_name) AS contact, "timestamp" AS sent_at, source,
           trim(regexp_replace(lower(strip_accents(body)), '[^\pL\pN]+', ' ', 'g')) AS norm
    FROM messages
    WHERE direction = 'inbound' AND kind IS DISTINCT FROM 'system' AND body IS NOT NULL
      AND (counterpart IS NOT NULL OR counterpart_name IS NOT NULL)
), stops AS (
    SELECT contact, sent_at AS optout_at, epoch_ns(sent_at) AS stop_t, source AS optout_source, norm AS keyword
    FROM inbound WHERE norm IN (SELECT keyword FROM optout_keywords)
), resumes AS (
    SELECT contact, epoch_ns(sent_at) AS resume_t FROM inbound WHERE norm IN (SELECT keyword FROM resume_keywords)
), sent AS (
    SELECT contact, epoch_ns("timestamp") AS t, message_id FROM deliveries WHERE contact IS NOT NULL
), first_after AS (
    SELECT s.contact, s.stop_t, min(d.message_id) AS first_id
    FROM (SELECT DISTINCT f.contact, f.stop_t, f.t AS first_t
          FROM (SELECT s.contact, s.stop_t, d.t FROM (SELECT DISTINCT contact, stop_t FROM stops) s
                ASOF LEFT JOIN sent d ON s.contact = d.contact AND d.t >= s.stop_t) f) s
    JOIN sent d ON d.contact = s.contact AND d.t = s.first_t
    GROUP BY s.contact, s.stop_t
), judged AS (
    SELECT d_id, contact, message_id, lower(trim(coalesce(channel, ''))) AS chan, epoch_ns("timestamp") AS t
    FROM deliveries
    WHERE category IS DISTINCT FROM 'authentication' AND kind IS DISTINCT FROM 'system'
), met AS (
    SELECT j.*, s.optout_at, s.stop_t, s.optout_source, s.keyword
    FROM judged j ASOF JOIN stops s ON j.contact = s.contact AND j.t >= s.stop_t
), resumed AS (
    SELECT m.d_id, r.resume_t FROM met m ASOF JOIN resumes r ON m.contact = r.contact AND m.t >= r.resume_t
), purposes AS (
    SELECT DISTINCT lower(trim(purpose)) AS purpose FROM consent
    WHERE lower(trim(purpose)) NOT IN ('any', 'all') AND coalesce(trim(phone), '') <> ''
), met_chans AS (
    SELECT DISTINCT chan FROM met
), events AS (
    SELECT e.phone AS contact, p.purpose, c.chan, lower(trim(e.status)) AS status, e."timestamp" AS event_at,
           epoch_ns(e."timestamp") * 2 + (lower(trim(e.status)) = 'withdrawn')::INT AS k
    FROM consent e
    JOIN purposes p ON lower(trim(e.purpose)) IN ('any', 'all') OR lower(trim(e.purpose)) = p.purpose
    JOIN met_chans c ON lower(trim(e.channel)) IN ('any', 'all') OR (c.chan <> '' AND c.chan = lower(trim(e.channel)))
    WHERE coalesce(trim(e.phone), '') <> ''
), consented AS (
    SELECT a.d_id, bool_or(e.status = 'granted' AND e.event_at > a.optout_at) AS ended
    FROM (SELECT m.d_id, m.contact, m.chan, p.purpose, m.t * 2 + 1 AS probe, m.optout_at FROM met m, purposes p) a
    ASOF LEFT JOIN events e ON a.contact = e.contact AND a.chan = e.chan AND a.purpose = e.purpose AND a.probe >= e.k
    GROUP BY a.d_id
)
SELECT m.d_id, m.message_id, m.contact, m.optout_at, m.keyword, m.optout_source
FROM met m
LEFT JOIN resumed r USING (d_id)
LEFT JOIN consented c USING (d_id)
LEFT JOIN first_after f ON f.contact = m.contact AND f.stop_t = m.stop_t
WHERE NOT coalesce(r.resume_t > m.stop_t, false)
  AND NOT coalesce(c.ended, false)
  AND NOT coalesce(m.message_id = f.first_id AND m.t - m.stop_t <= 300000000000, false);

-- name: quiet_us
-- TIMING-001: US marketing outside 08:00-21:00 in the recipient's local time, judged in every zone
-- of the number (the declared zone instead, when the contact has a valid one).
CREATE OR REPLACE TABLE quiet_us AS
WITH zoned AS (
    SELECT d_id, "timestamp",
           unnest(CASE WHEN declared_zone IS NOT NULL THEN [declared_zone] ELSE string_split(zones, '|') END) AS zone
    FROM deliveries
    WHERE category = 'marketing' AND kind IS DISTINCT FROM 'system' AND region = 'US'
), local AS (
    SELECT d_id, zone, timezone(zone, "timestamp") AS lt FROM zoned
    WHERE zone IN (SELECT name FROM pg_timezone_names())
)
SELECT d_id, string_agg(zone, '|' ORDER BY zone) AS time_zone,
       string_agg(strftime(lt, '%Y-%m-%dT%H:%M:%S'), '|' ORDER BY zone) AS local_time
FROM local
WHERE NOT (hour(lt) * 60 + minute(lt) >= 480 AND hour(lt) * 60 + minute(lt) < 1260)
GROUP BY d_id;

-- name: quiet_fr
-- TIMING-002: French marketing without marketing consent in force, outside Mon-Fri 10:00-13:00 and
-- 14:00-20:00 local time or on a French public holiday, from 2023-03-01 (decree 2022-1313).
CREATE OR REPLACE TABLE quiet_fr AS
WITH zoned AS (
    SELECT d_id, "timestamp",
           unnest(CASE WHEN declared_zone IS NOT NULL THEN [declared_zone] ELSE string_split(zones, '|') END) AS zone
    FROM deliveries
    WHERE category = 'marketing' AND kind IS DISTINCT FROM 'system' AND region = 'FR'
      AND d_id NOT IN (SELECT d_id FROM consent_asof WHERE outcome = 'granted')
), local AS (
    SELECT d_id, zone, timezone(zone, "timestamp") AS lt, hour(timezone(zone, "timestamp")) * 60
           + minute(timezone(zone, "timestamp")) AS m
    FROM zoned WHERE zone IN (SELECT name FROM pg_timezone_names())
)
SELECT d_id, string_agg(zone, '|' ORDER BY zone) AS time_zone,
       string_agg(strftime(lt, '%Y-%m-%dT%H:%M:%S'), '|' ORDER BY zone) AS local_time
FROM local
WHERE lt::DATE >= DATE '2023-03-01'
  AND NOT (isodow(lt) BETWEEN 1 AND 5 AND ((m >= 600 AND m < 780) OR (m >= 840 AND m < 1200))
           AND lt::DATE NOT IN (SELECT day FROM fr_holidays))
GROUP BY d_id;

-- name: quiet_org
-- TIMING-003: any delivery (not system) outside the organisation's 08:00-21:00, every day.
CREATE OR REPLACE TABLE quiet_org AS
WITH zoned AS (
    SELECT d_id, "timestamp",
           unnest(CASE WHEN declared_zone IS NOT NULL THEN [declared_zone] ELSE string_split(zones, '|') END) AS zone
    FROM deliveries
    WHERE kind IS DISTINCT FROM 'system'
), local AS (
    SELECT d_id, zone, timezone(zone, "timestamp") AS lt FROM zoned
    WHERE zone IN (SELECT name FROM pg_timezone_names())
)
SELECT d_id, string_agg(zone, '|' ORDER BY zone) AS time_zone,
       string_agg(strftime(lt, '%Y-%m-%dT%H:%M:%S'), '|' ORDER BY zone) AS local_time
FROM local
WHERE NOT (hour(lt) * 60 + minute(lt) >= 480 AND hour(lt) * 60 + minute(lt) < 1260)
GROUP BY d_id;

-- name: frequency
-- TIMING-005: marketing deliveries beyond 4 to one person in a rolling 30 days, (T - 30 d, T];
-- deliveries at the same instant ranked by message id.
CREATE OR REPLACE TABLE frequency AS
WITH d AS (
    SELECT d_id, contact, message_id, epoch_ns("timestamp") AS t
    FROM deliveries
    WHERE category = 'marketing' AND kind IS DISTINCT FROM 'system' AND contact IS NOT NULL
), counted AS (
    SELECT *,
           row_number() OVER (PARTITION BY contact ORDER BY t, message_id)
           - count(*) OVER (PARTITION BY contact ORDER BY t
                            RANGE BETWEEN UNBOUNDED PRECEDING AND 2592000000000000 PRECEDING) AS count_in_window
    FROM d
)
SELECT d_id, contact, count_in_window, t - 2592000000000000 AS window_start_ns FROM counted WHERE count_in_window > 4;

-- name: service_window
-- WINDOW-001: free-form WhatsApp deliveries (is_template false) more than 24 h after the person's
-- latest inbound message on the channel, or to a person who never wrote.
CREATE OR REPLACE TABLE service_window AS
WITH judged AS (
    SELECT d_id, contact, lower(trim(coalesce(channel, ''))) AS chan, epoch_ns("timestamp") AS t
    FROM deliveries
    WHERE channel = 'whatsapp' AND category IN ('marketing', 'utility', 'authentication', 'service')
      AND is_template = false
), inbound AS (
    SELECT coalesce(counterpart, 'name:' || counterpart_name) AS contact, lower(trim(coalesce(channel, ''))) AS chan,
           epoch_ns("timestamp") AS t
    FROM messages
    WHERE direction = 'inbound' AND kind IS DISTINCT FROM 'system'
      AND (counterpart IS NOT NULL OR counterpart_name IS NOT NULL)
)
SELECT j.d_id, i.t AS last_inbound_ns, round((j.t - i.t) / 3.6e12, 2) AS hours_since
FROM judged j ASOF LEFT JOIN inbound i ON j.contact = i.contact AND j.chan = i.chan AND j.t >= i.t
WHERE i.t IS NULL OR j.t - i.t > 86400000000000;
