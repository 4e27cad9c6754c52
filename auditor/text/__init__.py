"""Tokenisation and the one streaming pass per generation."""
