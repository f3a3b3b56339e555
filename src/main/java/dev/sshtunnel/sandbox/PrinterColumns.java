package dev.sshtunnel.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Renders objects as a meta.k8s.io/v1 Table the way the API server does for `kubectl get`: NAME,
 * the CRD's additionalPrinterColumns (for SshTunnels) and AGE. The mock API server renders no
 * tables, and without one kubectl shows only names. JSONPath is the subset printer columns use:
 * `.a.b` and `.list[?(@.key=="value")].field`.
 */
final class PrinterColumns {

    record Column(String name, String type, int priority, String description, Function<JsonNode, JsonNode> value) {
        static Column path(String name, String type, String jsonPath, int priority, String description) {
            return new Column(name, type, priority, description, object -> evaluate(jsonPath, object));
        }

        static Column computed(String name, Function<JsonNode, String> value) {
            return new Column(name, "string", 0, "", object -> JSON.textNode(value.apply(object)));
        }
    }

    private static final Pattern FILTER = Pattern.compile("^(\\w+)\\[\\?\\(@\\.(\\w+)==\"([^\"]*)\"\\)\\]$");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final List<Column> columns;

    private PrinterColumns(List<Column> columns) {
        this.columns = columns;
    }

    private static final Column NAME = Column.path("Name", "string", ".metadata.name", 0, "Name of the object");
    private static final Column AGE = Column.path("Age", "date", ".metadata.creationTimestamp", 0, "Time since creation");

    /** The columns kubectl shows for a resource (plural name): the API server's own for the kinds the sandbox runs. */
    static PrinterColumns forResource(String plural) {
        return switch (plural) {
            case "pods" -> new PrinterColumns(List.of(NAME,
                    Column.computed("Ready", o -> count(o.path("status").path("containerStatuses"), "ready") + "/"
                            + o.path("spec").path("containers").size()),
                    Column.computed("Status", PrinterColumns::podStatus),
                    new Column("Restarts", "integer", 0, "", o -> JSON.numberNode(sum(o.path("status").path("containerStatuses"), "restartCount"))),
                    AGE,
                    Column.path("IP", "string", ".status.podIP", 1, "Pod IP")));
            case "deployments" -> new PrinterColumns(List.of(NAME,
                    Column.computed("Ready", o -> o.path("status").path("readyReplicas").asInt(0) + "/" + o.path("spec").path("replicas").asInt(1)),
                    new Column("Up-to-date", "integer", 0, "", o -> JSON.numberNode(o.path("status").path("updatedReplicas").asInt(0))),
                    new Column("Available", "integer", 0, "", o -> JSON.numberNode(o.path("status").path("availableReplicas").asInt(0))),
                    AGE));
            case "events" -> new PrinterColumns(List.of(
                    Column.path("Last Seen", "date", ".lastTimestamp", 0, ""),
                    Column.path("Type", "string", ".type", 0, ""),
                    Column.path("Reason", "string", ".reason", 0, ""),
                    Column.computed("Object", o -> o.path("involvedObject").path("kind").asText().toLowerCase() + "/"
                            + o.path("involvedObject").path("name").asText()),
                    Column.path("Count", "integer", ".count", 1, ""),
                    Column.path("Message", "string", ".message", 0, ""))) ;
            default -> new PrinterColumns(List.of(NAME, AGE));
        };
    }

    private static String podStatus(JsonNode pod) {
        for (JsonNode container : pod.path("status").path("containerStatuses")) {
            String waiting = container.path("state").path("waiting").path("reason").asText("");
            if (!waiting.isEmpty()) {
                return waiting;
            }
        }
        return pod.path("status").path("phase").asText("Unknown");
    }

    private static int count(JsonNode list, String flag) {
        int n = 0;
        for (JsonNode item : list) {
            n += item.path(flag).asBoolean() ? 1 : 0;
        }
        return n;
    }

    private static int sum(JsonNode list, String field) {
        int n = 0;
        for (JsonNode item : list) {
            n += item.path(field).asInt(0);
        }
        return n;
    }

    /** From a CRD version's additionalPrinterColumns; AGE is added last unless the CRD has it. */
    static PrinterColumns fromCrdVersion(JsonNode version) {
        List<Column> columns = new ArrayList<>();
        columns.add(NAME);
        boolean hasAge = false;
        for (JsonNode column : version.path("additionalPrinterColumns")) {
            columns.add(Column.path(column.path("name").asText(), column.path("type").asText("string"),
                    column.path("jsonPath").asText(), column.path("priority").asInt(0), column.path("description").asText("")));
            hasAge |= column.path("name").asText().equalsIgnoreCase("age");
        }
        if (!hasAge) {
            columns.add(AGE);
        }
        return new PrinterColumns(columns);
    }

    ObjectNode table(List<JsonNode> objects, boolean withColumnDefinitions, String resourceVersion, Instant now) {
        ObjectNode table = JSON.objectNode();
        table.put("kind", "Table");
        table.put("apiVersion", "meta.k8s.io/v1");
        table.putObject("metadata").put("resourceVersion", resourceVersion == null ? "" : resourceVersion);
        ArrayNode definitions = table.putArray("columnDefinitions");
        if (withColumnDefinitions) {
            for (Column column : columns) {
                definitions.addObject().put("name", column.name).put("type", column.type).put("format", column.name.equals("Name") ? "name" : "")
                        .put("description", column.description).put("priority", column.priority);
            }
        }
        ArrayNode rows = table.putArray("rows");
        for (JsonNode object : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (Column column : columns) {
                cells.add(cell(column, object, now));
            }
            ObjectNode partial = row.putObject("object");
            partial.put("kind", "PartialObjectMetadata");
            partial.put("apiVersion", "meta.k8s.io/v1");
            partial.set("metadata", object.path("metadata").deepCopy());
        }
        return table;
    }

    private static JsonNode cell(Column column, JsonNode object, Instant now) {
        JsonNode value = column.value.apply(object);
        if (value == null || value.isMissingNode() || value.isNull()) {
            return column.type.equals("integer") || column.type.equals("number") ? JSON.nullNode() : JSON.textNode("");
        }
        if (column.type.equals("date")) {
            try {
                return JSON.textNode(age(Duration.between(Instant.parse(value.asText()), now)));
            } catch (DateTimeParseException e) {
                return JSON.textNode(value.asText());
            }
        }
        return value.isContainerNode() ? JSON.textNode(value.toString()) : value;
    }

    static JsonNode evaluate(String jsonPath, JsonNode object) {
        JsonNode node = object;
        for (String segment : jsonPath.replaceFirst("^\\.", "").split("\\.(?![^\\[]*\\])")) {
            Matcher filter = FILTER.matcher(segment);
            if (filter.matches()) {
                JsonNode match = null;
                for (JsonNode item : node.path(filter.group(1))) {
                    if (filter.group(3).equals(item.path(filter.group(2)).asText())) {
                        match = item;
                        break;
                    }
                }
                if (match == null) {
                    return null;
                }
                node = match;
            } else {
                node = node.path(segment);
            }
        }
        return node;
    }

    /** kubectl's short age: 45s, 3m20s, 12m, 5h, 3d. */
    static String age(Duration elapsed) {
        long seconds = Math.max(0, elapsed.toSeconds());
        if (seconds < 120) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            return minutes + "m" + (seconds % 60 == 0 ? "" : (seconds % 60) + "s");
        }
        if (minutes < 180) {
            return minutes + "m";
        }
        long hours = minutes / 60;
        if (hours < 48) {
            return hours + "h";
        }
        return (hours / 24) + "d";
    }
}
