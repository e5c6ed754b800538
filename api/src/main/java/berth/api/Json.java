package berth.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import java.util.List;

/**
 * The one ObjectMapper of the admin API: strict on input (unknown fields, trailing data, and any
 * scalar of the wrong type — {@code {"slug": 123}} is not a string), ISO-8601 timestamps on output.
 */
final class Json {
  static final ObjectMapper MAPPER = strict(new ObjectMapper())
      .registerModule(new JavaTimeModule())
      .registerModule(new ParameterNamesModule())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private Json() {}

  private static ObjectMapper strict(ObjectMapper mapper) {
    mapper.disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);
    for (LogicalType type : LogicalType.values()) {
      for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
          CoercionInputShape.Boolean, CoercionInputShape.String)) {
        boolean same = switch (type) {
          case Textual -> shape == CoercionInputShape.String;
          case Integer -> shape == CoercionInputShape.Integer;
          case Float -> shape == CoercionInputShape.Float || shape == CoercionInputShape.Integer;
          case Boolean -> shape == CoercionInputShape.Boolean;
          default -> true; // dates and the like read strings as they always did
        };
        if (!same) {
          mapper.coercionConfigFor(type).setCoercion(shape, CoercionAction.Fail);
        }
      }
    }
    return mapper;
  }
}
