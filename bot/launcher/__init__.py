"""Starts and supervises the assistant's processes (``make run``, test stacks, benchmarks).

Imports nothing of the Rasa server or the action server: the processes are separate programs
started with the commands in `bot.launcher.commands`.
"""
