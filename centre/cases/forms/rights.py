"""rights"""
