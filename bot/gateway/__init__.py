"""The gateway: Telegram (or the terminal) on one side, Rasa over HTTP on the other.

It never imports ``rasa`` or ``rasa_sdk``: it reaches Rasa only through its REST channel.
"""
