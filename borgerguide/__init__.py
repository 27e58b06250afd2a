"""Borgerguide's domain: what the web service (`bot/`), the action server
(`actions/`) and Rasa's launcher (`launch/`) share.

It imports nothing else of the project. Modules:

- `contract`: the channel contract of ../shared/spec/channel-events.md as
  typed payloads (solution, referral, handoff, fallback, notice, fault),
  hand-off reasons and queues;
- `content`: where the editable content lives and how it is read;
- `catalogue`: the solution catalogue;
- `kommuner`: each kommune's content and `resolve_kommune()`, the one check
  of a kommune id;
- `clock`: UTC and Danish time; `opening_hours`: Borgerservice's hours;
- `db`: the database engine (one set of SQLite settings);
- `notices`: operational notices (driftsmeddelelser);
- `redaction`: personal data out of citizens' text.
"""
