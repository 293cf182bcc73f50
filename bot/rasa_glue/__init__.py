"""Code that runs inside the Rasa server: the encrypted tracker store."""
