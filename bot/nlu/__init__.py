"""Rasa NLU components of 发票助手 (the only package besides bot/channels that imports rasa)."""
