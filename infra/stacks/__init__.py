"""Stacks are deployment units: stateful storage, the shared pipeline, one stack per zone."""
