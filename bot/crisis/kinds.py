"""The kinds of crisis the assistant recognises, and which help line each one puts first.

This is the one list: the phrase files (``flows/crisis/``), the questionnaire's red flags, the
replies and the evaluation sets are all checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_

# The help lines a centre's entry in data/centres.yml can list, in the order a general list
# shows them. Labels are translated.
LINE_LABELS: dict[str, str] = {
    "police": N_("Police"),
    "ambulance": N_("Ambulance / urgences médicales"),
    "fire": N_("Pompiers"),
    "mental_health": N_("Écoute et soutien psychologique"),
    "gbv_helpline": N_("Violences faites aux femmes"),
    "child_helpline": N_("Protection de l'enfance"),
    "anti_trafficking": N_("Lutte contre la traite des personnes"),
    "shelter": N_("Hébergement d'urgence"),
}


@dataclass(frozen=True)
class CrisisKind:
    id: str
    # What caseworkers read in the handover packet.
    label: str
    # Lines shown, the first one first; a centre lacking one shows the next.
    lines: tuple[str, ...]
    # What the person reads: an acknowledgement without blame and one clear next step.
    text: str
    # Whether the centre's contact and housing services belong in the answer.
    centre_help: bool = False


KINDS: tuple[CrisisKind, ...] = (
    CrisisKind(
        "self_harm",
        N_("Idées suicidaires ou de se faire du mal"),
        ("mental_health", "ambulance", "police"),
        N_(
            "Merci de me l'avoir écrit. Ce que vous ressentez compte, et vous n'avez pas à "
            "traverser cela seul ou seule. Parlez-en maintenant à quelqu'un : appelez la ligne "
            "d'écoute ci-dessous, ou les urgences si vous risquez de vous faire du mal tout de "
            "suite."
        ),
    ),
    CrisisKind(
        "medical",
        N_("Urgence médicale"),
        ("ambulance", "police"),
        N_(
            "C'est une urgence médicale : appelez tout de suite l'ambulance au numéro "
            "ci-dessous. Restez auprès de la personne si vous le pouvez et suivez les "
            "conseils qu'on vous donnera au téléphone."
        ),
    ),
    CrisisKind(
        "violence",
        N_("Violences"),
        ("gbv_helpline", "police", "ambulance"),
        N_(
            "Ce qui vous arrive n'est pas de votre faute, et vous avez le droit d'être protégé "
            "ou protégée. Si vous êtes en danger maintenant, appelez la police. Une ligne "
            "d'écoute spécialisée peut vous aider en toute confidentialité."
        ),
    ),
    CrisisKind(
        "danger",
        N_("Danger immédiat"),
        ("police", "ambulance"),
        N_(
            "Votre sécurité passe avant tout. Si vous le pouvez, allez dans un lieu sûr, près "
            "d'autres personnes, et appelez la police tout de suite."
        ),
    ),
    CrisisKind(
        "trafficking",
        N_("Exploitation ou traite"),
        ("anti_trafficking", "police"),
        N_(
            "Ce que vous vivez n'est pas de votre faute : personne n'a le droit de garder vos "
            "papiers, de vous enfermer ou de vous faire travailler sans vous payer. Une ligne "
            "spécialisée peut vous aider en toute confidentialité. En cas de danger, appelez "
            "la police."
        ),
    ),
    CrisisKind(
        "child_alone",
        N_("Enfant seul"),
        ("child_helpline", "police"),
        N_(
            "Un enfant seul a droit à une protection spéciale, et ce n'est pas de sa faute. "
            "Appelez la ligne de protection de l'enfance ci-dessous : elle peut aider tout de "
            "suite. Le centre peut aussi vous aider."
        ),
    ),
    CrisisKind(
        "no_shelter",
        N_("Sans abri cette nuit"),
        ("shelter",),
        N_(
            "Personne ne devrait passer la nuit dehors. Contactez le centre dès aujourd'hui : "
            "il peut vous orienter vers un hébergement. Voici comment le joindre."
        ),
        centre_help=True,
    ),
)
BY_ID: dict[str, CrisisKind] = {kind.id: kind for kind in KINDS}
# What the model's emergency intent alone, or the menu's "Emergency" button, leads to: the kind
# is not known, so every line the centre has, police and ambulance first.
GENERAL = CrisisKind(
    "general",
    N_("Urgence"),
    tuple(LINE_LABELS),
    N_(
        "Si vous êtes en danger ou si c'est urgent, appelez tout de suite l'un de ces numéros. "
        "Si vous le pouvez, allez dans un lieu sûr. Vous n'êtes pas seul ou seule : je peux "
        "aussi vous mettre en relation avec quelqu'un du centre."
    ),
)


def crisis_label(kind: str) -> str:
    """The caseworkers' words for a kind (untranslated message id)."""
    return BY_ID[kind].label if kind in BY_ID else GENERAL.label
