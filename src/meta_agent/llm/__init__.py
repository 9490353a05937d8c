"""Talking to a language model: providers, budgets and transcripts for the LLM planner.

Nothing here is imported unless ``META_AGENT_PLANNER`` is ``llm`` or ``auto`` with a provider
configured: the offline default never pays for the SDKs.
"""
