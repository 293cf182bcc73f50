"""Returnee assistant: a Rasa assistant behind Telegram for migrants back in their country."""
