"""Scoring past one machine: block planning, resumable shards and the Ray Data engine.

``blocks``, ``shards`` and ``block_scorer`` need no Ray and are tested without it;
``ray_engine`` imports Ray when a run starts and explains how to install it if it is missing.
"""
