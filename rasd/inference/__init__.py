"""rasd.inference"""
