"""Reading replies with Google's Gemini (optional): an edge package no app imports.

Enable with TEXT_READER = "gemini.GeminiReader" and GEMINI_API_KEY. Only the message text goes out.
"""
from .reader import GeminiReader

__all__ = ["GeminiReader"]
