"""pathway"""
