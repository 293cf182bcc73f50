"""Natural-language generation: renders every ``utter_*`` in the person's language.

Rasa calls the NLG endpoint (``server.py``) for each response; the texts are the domain's
French source texts, translated through the gettext catalogues (``bot.i18n``).
"""
