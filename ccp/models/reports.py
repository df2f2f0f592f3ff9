from django.db import models

from ccp.models.instance import new_id


class SavedReport(models.Model):
    """A historical report definition a console user saved: its name and the report page's query string."""

    id = models.CharField(primary_key=True, max_length=100, default=new_id)
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("ccp.User", on_delete=models.CASCADE, related_name="saved_reports")
    name = models.CharField(max_length=127)
    query = models.CharField(max_length=4096)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_report_name_unique")]

    def __str__(self) -> str:
        return self.name
