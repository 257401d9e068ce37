"""Dialog conferences: setting one up, facilitating it, the referents' tablets, the summary
document and the synthesis across a project's conferences.

Each area is a package holding its views, operations, forms and commands; ``blueprints`` gathers
their pages and ``feature`` registers them with the ``conference`` commands.
"""
