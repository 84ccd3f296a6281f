"""Metrics (shared by training and `rasd evaluate`) and the evaluation report."""
