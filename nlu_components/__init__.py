"""Custom Rasa NLU components for Borgerguide's Danish pipeline."""
