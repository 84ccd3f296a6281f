"""rasd.training"""
