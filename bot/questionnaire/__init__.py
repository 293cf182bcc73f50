"""The needs self-assessment: its definition (``flows/questionnaire.yml``), the engine that
walks it, answer parsing and scoring. Pure Python, no I/O beyond reading the definition."""
