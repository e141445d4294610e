"""The Qt-free core that both the command line and the GUI drive."""
