"""Rasa NLU components of 发票助手 (the only package besides bot/rasa_plugins/channels that imports rasa)."""
