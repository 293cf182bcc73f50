"""Texts the gateway sends on its own, without asking Rasa (bad input, outages, erasure)."""

from __future__ import annotations

from bot.i18n import N_

NON_TEXT = N_(
    "Je ne peux lire que les messages écrits. Pouvez-vous écrire votre question avec des mots ?"
)
VOICE = N_(
    "Je ne peux pas écouter les messages vocaux. Pouvez-vous écrire votre question avec des mots ?"
)
LOCATION = N_(
    "Merci, mais je ne peux pas utiliser une position. Pour trouver un centre, écrivez le nom "
    "de votre ville."
)
EDITED = N_(
    "J'ai vu que vous avez modifié un message. Je réponds seulement aux nouveaux messages : "
    "envoyez-moi votre question à nouveau, s'il vous plaît."
)
FORWARDED = N_(
    "Vous m'avez transféré un message. Je réponds seulement à ce que vous écrivez vous-même : "
    "écrivez-moi votre question avec vos mots."
)
TOO_LONG = N_(
    "Votre message est trop long pour moi. Pouvez-vous écrire votre question en quelques phrases ?"
)
UNKNOWN_COMMAND = N_("Je ne connais pas cette commande. Voici ce que je peux faire :")
GROUP_CHAT = N_(
    "Je fonctionne seulement en conversation privée, pour protéger votre vie privée. "
    "Écrivez-moi directement. Je quitte ce groupe."
)
TECHNICAL_PROBLEM = N_(
    "Désolé, j'ai un problème technique. Réessayez dans une minute, s'il vous plaît."
)
DELAYED = N_(
    "Désolé, j'ai un problème technique. J'ai bien reçu votre message : je vous réponds dès "
    "que possible."
)
ERASED = N_(
    "C'est fait : j'ai effacé tout ce que je gardais sur vous. Vous pouvez recommencer quand "
    "vous voulez avec /start."
)
# TRANSLATORS: name the language of this catalogue, e.g. "Do you want to continue in English?".
DELETE_MESSAGES = N_("Effacer aussi nos messages des dernières 48 heures")
MESSAGES_DELETED = N_(
    "C'est fait : j'ai effacé les messages de cette conversation que Telegram me permet "
    "d'effacer (ceux des dernières 48 heures)."
)
OFFER_LANGUAGE = N_("Voulez-vous continuer en français ?")
# TRANSLATORS: name the language of this catalogue.
OFFER_LANGUAGE_BUTTON = N_("Oui, en français")

COMMAND_DESCRIPTIONS: dict[str, str] = {
    "start": N_("Commencer"),
    "help": N_("Menu et aide"),
    "language": N_("Changer de langue"),
    "assessment": N_("Faire mon auto-évaluation"),
    "caseworker": N_("Parler à un référent"),
    "mydata": N_("Voir mes données"),
    "forget": N_("Effacer mes données"),
    "stop": N_("Arrêter"),
}
