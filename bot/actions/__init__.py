"""Custom actions, run by the rasa-sdk action server (``bot.actions.server``).

Actions never render text themselves: they name a response and the NLG endpoint renders it in
the person's language.
"""
