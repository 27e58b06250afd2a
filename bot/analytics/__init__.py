"""Analytics: what the analysts read about the conversations, in one package
beside the web service's HTTP plumbing (bot/routes/analyst.py serves it).

- `store`: the tables (facts per conversation, rollups, unresolved messages,
  self-service link clicks) and the queries that read them for a period;
- `projection`: the event-stream reader that fills the derived tables;
- `names`: the Danish names of intents, topics, areas, languages and outcomes;
- `grouping`: groups of similar unresolved messages;
- `export`: labelled messages back into training data (Rasa NLU YAML);
- `tables`: the figures as tables with Danish headers, and as CSV;
- `reports`: `python -m bot report ...` and `python -m bot retention ...`.

Nothing here speaks HTTP; nothing personal is kept (texts are redacted
before they are stored, clicks are counted, not tied to a conversation).
"""
