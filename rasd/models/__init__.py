"""rasd.models"""
