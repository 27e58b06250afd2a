"""Borgerguide's custom actions (rasa-sdk) and the content they read."""
