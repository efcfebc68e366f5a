"""The twin's stand-in for the ``awsglue`` package Glue provides (only what the lake's jobs use)."""
