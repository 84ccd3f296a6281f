"""rasd.data.formats"""
