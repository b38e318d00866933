"""Labeling schemes shipped with claimsift: each a module of labeling functions and its word lists.

A scheme config (``configs/scheme/<name>.yaml``) names one of these modules, or a file of your own
(see docs/adapt.md).
"""
