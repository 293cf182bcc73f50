"""Texts the console's Python code shows or sends, marked for extraction with ``N_``.

Message ids are French source texts, as everywhere in the project. Labels that the gateway
also uses (priorities, contact times) repeat its message ids, so translators see them once.
"""

from __future__ import annotations

from bot.gateway import outbox
from bot.i18n import N_, ngettext
from bot.storage import cases

# Sent to the person through the bot when a caseworker takes their case: until then they only
# knew that their request was waiting.
CLAIMED_NOTICE = N_(
    "Une personne de l'équipe du centre lit maintenant votre demande. Elle vous répondra ici."
)
# Sent to the person through the bot when the caseworker closes the case.
RATING_PROMPT = N_(
    "Votre conversation avec le référent est terminée. Comment s'est-elle passée ? "
    "Donnez une note de 1 (mauvais) à 5 (très bien)."
)

PRIORITY_LABELS = {
    cases.URGENT: N_("urgente"),
    cases.HIGH: N_("haute"),
    cases.NORMAL: N_("normale"),
}
STATUS_LABELS = {
    cases.DRAFT: N_("en préparation"),
    cases.QUEUED: N_("en attente"),
    cases.CLAIMED: N_("pris en charge"),
    cases.CLOSED: N_("clos"),
}
OUTCOME_LABELS = {
    "referred": N_("Orienté vers un service"),
    "assisted": N_("Aidé directement"),
    "no_answer": N_("Pas de réponse"),
    "other": N_("Autre"),
    "cancelled": N_("Annulé par la personne"),
    "erased": N_("Effacé à la demande de la personne"),
}
# Who wrote each thread entry.
KIND_LABELS = {
    cases.FROM_PERSON: N_("La personne"),
    cases.FROM_CASEWORKER: N_("Référent"),
    cases.NOTE: N_("Note interne"),
    cases.SYSTEM: N_("Système"),
}

# Where a caseworker's message to the person is, under it in the thread.
DELIVERY_LABELS = {
    cases.DELIVERY_QUEUED: N_("En file d'envoi"),
    cases.DELIVERY_SENT: N_("Envoyé : Telegram l'a reçu"),
    cases.DELIVERY_FAILED: N_("Non remis"),
}
# Why it failed, in words; an unknown reason shows as it is.
DELIVERY_FAILURES = {
    outbox.BLOCKED: N_("La personne a bloqué le bot"),
    outbox.REJECTED: N_("Telegram a refusé le message"),
    outbox.NO_CHAT: N_("Pas de conversation où l'envoyer"),
    outbox.GAVE_UP: N_("Abandonné après plusieurs tentatives"),
}

# The thread's system lines (bot.storage.cases.EVENTS), put into the reader's language.
EVENT_TEXTS = {
    cases.CLAIMED_EVENT: N_("Pris en charge par {by}."),
    cases.TRANSFERRED_EVENT: N_("Transféré par {by} à {to}."),
    cases.SENT_TO_CENTRE_EVENT: N_("Renvoyé par {by} dans la file du centre {centre}."),
    cases.REQUEUED_EVENT: N_("Remis dans la file : aucune activité depuis {hours} h."),
    cases.CANCELLED_EVENT: N_("La personne a annulé sa demande."),
    cases.CLOSED_EVENT: N_("Clos par {by} : {outcome}."),
    cases.REASSIGNED_EVENT: N_("Réattribué par {by} : de {holder} à {to}."),
    cases.REOPENED_EVENT: N_("Rouvert par {by}."),
    cases.CRISIS_EVENT: N_(
        "Message de crise détecté : le cas passe en priorité urgente ({kinds})."
    ),
}

# Handover packet: headings for the keys the gateway writes; unknown keys show as they are.
PACKET_LABELS = {
    "language": N_("Langue"),
    "centre": N_("Centre"),
    "town": N_("Ville ou région"),
    "urgent_request": N_("Demande urgente"),
    "contact_language": N_("Langue préférée pour le contact"),
    "profile": N_("Profil"),
    "flags": N_("Signaux d'alerte"),
    "crisis": N_("Message de crise détecté"),
    "help_with": N_("Sa demande, dans ses mots"),
    "contact_time": N_("Moment préféré pour le contact"),
}
CONTACT_TIME_LABELS = {
    "morning": N_("Le matin"),
    "afternoon": N_("L'après-midi"),
    "evening": N_("Le soir"),
    "any": N_("N'importe quand"),
}
# Red flags of flows/questionnaire.yml; a flag missing here shows as its id.
FLAG_LABELS = {
    "immediate_danger": N_("Danger immédiat"),
    "self_harm": N_("Risque d'automutilation"),
    "medical": N_("Besoin médical urgent"),
    "trafficking": N_("Exploitation ou traite"),
    "child_alone": N_("Mineur seul"),
    "gbv": N_("Violences"),
    "no_shelter_food": N_("Sans abri ou sans nourriture"),
    "documents_blocking": N_("Papiers manquants qui bloquent"),
    "psychological_support": N_("Souhaite un soutien psychologique"),
}
ROLE_LABELS = {
    "caseworker": N_("Référent"),
    "supervisor": N_("Superviseur"),
    "admin": N_("Administrateur"),
}
# Why a case is urgent, at the top of its packet.
URGENT_ASKED = N_("La personne a demandé à parler à quelqu'un tout de suite.")
OTHER_LANGUAGE = N_("Une autre langue")
YES = N_("oui")
NO = N_("non")

# One-off messages shown at the top of the next page (kept in the session by key).
NOTICES = {
    "already_claimed": N_("Ce cas a déjà été pris par quelqu'un d'autre."),
    "claimed": N_("Le cas est à vous."),
    "replied": N_("Réponse envoyée. Elle part par le bot dans quelques secondes."),
    "noted": N_("Note enregistrée."),
    "transferred": N_("Cas transféré."),
    "reassigned": N_("Cas réattribué."),
    "closed": N_("Cas clos. La personne est invitée à donner une note."),
    "empty": N_("Le texte est vide."),
    "too_long": N_("Le texte est trop long."),
    "bad_transfer": N_("Choisissez un référent actif ou un centre connu."),
    "bad_outcome": N_("Choisissez une issue. Pour une orientation, précisez le service."),
    "confirm_needed": N_("Cochez la case de confirmation pour continuer."),
    "not_open": N_("Ce cas n'est plus ouvert."),
    "logged_out": N_("Session fermée."),
    "session_ended": N_(
        "Votre session est terminée (déconnexion, inactivité, durée maximale ou décision d'un "
        "administrateur). Reconnectez-vous."
    ),
    "service_saved": N_("Service enregistré. Le bot l'utilise dès maintenant."),
    "service_deleted": N_("Service supprimé."),
    "canned_saved": N_("Réponse préparée enregistrée."),
    "canned_deleted": N_("Réponse préparée supprimée."),
    "reopened": N_("Cas rouvert."),
    "not_closed": N_("Ce cas n'est pas clos."),
    "erased_never_reopens": N_(
        "Ce cas ne peut pas être rouvert : la personne a effacé ses données."
    ),
    "other_case_open": N_(
        "Ce cas ne peut pas être rouvert : la personne a déjà une autre demande en cours."
    ),
    "label_saved": N_("Étiquette enregistrée."),
    "label_deleted": N_("Étiquette supprimée et retirée des cas."),
    "bad_label": N_(
        "Étiquette refusée : un nom de 1 à 40 caractères sur une ligne, qui n'existe pas déjà dans "
        "le centre."
    ),
    "dead_letter_requeued": N_(
        "Message remis dans la file d'envoi. Le bot le renvoie dans quelques secondes."
    ),
    "sessions_ended": N_("Les sessions de ce compte sont terminées."),
    "profile_saved": N_("Profil enregistré."),
    "bad_display_name": N_("Le nom doit tenir sur une ligne de 40 caractères au plus."),
    "password_reset": N_(
        "Nouveau mot de passe enregistré. Le compte est débloqué et ses sessions sont terminées."
    ),
    "account_unlocked": N_("Compte débloqué."),
    "account_disabled": N_("Compte désactivé. Ses sessions sont terminées."),
    "account_enabled": N_("Compte réactivé."),
    "account_changed": N_("Rôle et centre enregistrés. Les sessions du compte sont terminées."),
    "account_unchanged": N_("Rien n'a changé."),
    "login_failed": N_(
        "Connexion refusée. Vérifiez l'identifiant, le mot de passe et le code. Après de "
        "nombreux échecs, le compte est bloqué 15 minutes."
    ),
    "throttled": N_(
        "Trop de tentatives de connexion. Attendez quelques minutes avant de réessayer."
    ),
    "busy": N_("Trop de connexions en même temps. Réessayez dans un instant."),
}

ERROR_TITLES = {
    403: N_("Accès refusé"),
    404: N_("Page introuvable"),
}
ERROR_TEXTS = {
    "csrf": N_("Le formulaire a expiré. Rechargez la page et recommencez."),
    "forbidden": N_("Vous n'avez pas accès à cette page."),
    # Also for a case out of the account's reach: the answer must not tell which ids exist.
    "not_found": N_("Ce cas n'existe pas, ou vous n'y avez pas accès."),
    "service_not_found": N_("Ce service n'existe pas."),
    "account_not_found": N_("Ce compte n'existe pas."),
    "canned_not_found": N_("Cette réponse préparée n'existe pas, ou vous n'y avez pas accès."),
    "label_not_found": N_("Cette étiquette n'existe pas, ou vous n'y avez pas accès."),
    # Usually a second click, or another admin who was quicker: nothing is wrong.
    "dead_letter_not_found": N_(
        "Ce message n'est plus dans la liste des messages non remis : il a peut-être déjà été "
        "renvoyé."
    ),
}

# The audit log's actions in words; an action missing here shows as its code.
AUDIT_ACTIONS = {
    "login": N_("Connexion"),
    "login_failed": N_("Connexion refusée"),
    "login_locked": N_("Compte bloqué après trop d'échecs"),
    "logout": N_("Déconnexion"),
    "recovery_code_used": N_("Connexion avec un code de secours"),
    "sessions_ended": N_("Sessions terminées"),
    "end_sessions": N_("Sessions terminées par un administrateur"),
    "unauthenticated": N_("Accès sans connexion"),
    "forbidden": N_("Accès refusé"),
    "csrf_refused": N_("Formulaire expiré refusé"),
    "case_not_found": N_("Cas introuvable"),
    "service_not_found": N_("Service introuvable"),
    "account_not_found": N_("Compte introuvable"),
    "dead_letter_not_found": N_("Message non remis introuvable"),
    "queued": N_("Cas mis en file"),
    "case_view": N_("Cas consulté"),
    "claim": N_("Prise en charge"),
    "claim_refused": N_("Prise en charge refusée (déjà prise)"),
    "reply": N_("Réponse envoyée"),
    "note": N_("Note interne"),
    "transfer": N_("Transfert"),
    "transfer_refused": N_("Transfert refusé"),
    "reassign": N_("Réattribution"),
    "reassign_refused": N_("Réattribution refusée"),
    "close": N_("Cas clos"),
    "crisis_escalated": N_("Passage en priorité urgente (crise)"),
    "cancelled_by_person": N_("Annulé par la personne"),
    "share_withdrawn": N_("Partage retiré par la personne"),
    "unclaimed_alert": N_("Alerte : cas non pris en charge"),
    "requeued_inactive": N_("Remis en file faute d'activité"),
    "report_viewed": N_("Rapport consulté"),
    "report_downloaded": N_("Rapport téléchargé"),
    "service_created": N_("Service ajouté"),
    "service_updated": N_("Service modifié"),
    "service_deleted": N_("Service supprimé"),
    "service_invalid": N_("Service refusé à la validation"),
    "services_imported": N_("Annuaire importé"),
    "dead_letter_requeued": N_("Message renvoyé"),
    "account_created": N_("Compte créé"),
    "account_reset": N_("Compte réinitialisé"),
    "password_reset": N_("Nouveau mot de passe"),
    "totp_reset": N_("Nouvelle clé d'authentification"),
    "account_unlocked": N_("Compte débloqué"),
    "account_disabled": N_("Compte désactivé"),
    "account_enabled": N_("Compte réactivé"),
    "account_changed": N_("Rôle ou centre changé"),
    "account_refused": N_("Modification de compte refusée"),
    "canned_created": N_("Réponse préparée ajoutée"),
    "canned_updated": N_("Réponse préparée modifiée"),
    "canned_deleted": N_("Réponse préparée supprimée"),
    "canned_invalid": N_("Réponse préparée refusée à la validation"),
    "canned_not_found": N_("Réponse préparée introuvable"),
    "reopen": N_("Cas rouvert"),
    "reopen_refused": N_("Réouverture refusée"),
    "label_created": N_("Étiquette créée"),
    "label_renamed": N_("Étiquette renommée"),
    "label_deleted": N_("Étiquette supprimée"),
    "label_refused": N_("Étiquette refusée"),
    "label_not_found": N_("Étiquette introuvable"),
    "label_added": N_("Étiquette ajoutée au cas"),
    "label_removed": N_("Étiquette retirée du cas"),
}

# Why the account form was refused (``bot.console.passwords.REASONS`` for the password).
ACCOUNT_ERRORS = {
    "username": N_("L'identifiant doit compter de 1 à 64 caractères parmi A-Z a-z 0-9 _ . @ -"),
    "exists": N_("Un compte porte déjà cet identifiant."),
    "self_lockout": N_(
        "Vous ne pouvez pas désactiver votre propre compte ni lui retirer le rôle "
        "d'administrateur : demandez-le à un autre administrateur."
    ),
    "role": N_("Choisissez un rôle."),
    "centre": N_("Choisissez un centre connu, ou aucun centre."),
    "password_too_short": N_("Le mot de passe doit compter au moins 12 caractères."),
    "password_too_long": N_("Le mot de passe doit compter au plus 1024 caractères."),
    "password_too_few_distinct": N_(
        "Le mot de passe doit compter au moins 5 caractères différents."
    ),
    "password_run": N_("Le mot de passe ne doit pas être une suite de touches ou de lettres."),
    "password_username": N_("Le mot de passe ne doit pas contenir l'identifiant."),
    "password_common": N_(
        "Ce mot de passe est trop courant : choisissez une phrase de plusieurs mots sans lien."
    ),
}

# Service directory form.
SERVICE_EXISTS = N_(
    "Un service a déjà cet identifiant. Choisissez-en un autre, ou modifiez le service existant."
)

# Why the sender gave up on a message (``bot.gateway.outbox``); an unknown reason shows as is.
DEAD_LETTER_REASONS = {
    outbox.BLOCKED: N_("La personne a bloqué le bot"),
    outbox.REJECTED: N_("Telegram a refusé le message"),
    outbox.NO_CHAT: N_("Pas de conversation où l'envoyer"),
    outbox.GAVE_UP: ngettext("Abandonné après {n} tentative", "Abandonné après {n} tentatives"),
}
